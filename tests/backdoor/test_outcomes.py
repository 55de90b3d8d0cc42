"""Which defense did best: the lowest harm wins, then the fewest honest requests refused."""

from dataclasses import replace

import pytest

from backdoor.metrics import Evaluation
from backdoor.outcomes import Outcome, best, opening, reading

BEFORE = Evaluation(0.95, 0.98)  # the backdoored model before any defense


def repair(title: str, acc: float, asr: float, refused: float = 0.0) -> Outcome:
    """A defense that changed the figures; one that refuses requests is a serving-time monitor."""
    return Outcome(title, 1.0, "after", Evaluation(acc, asr), refused, monitor=refused > 0)


def test_the_repair_that_leaves_the_least_harm_is_best():
    # harm = attack success left + clean accuracy lost, in points:
    # pruning 2 + (95 - 93) = 4; cleanse 30 + 0 = 30; retraining 0 + (95 - 94) = 1
    pruning, cleanse, retraining = repair("Fine-Pruning", 0.93, 0.02), repair("Neural Cleanse", 0.95, 0.30), \
        repair("Retraining", 0.94, 0.0)
    assert pruning.harm(BEFORE) == 4.0 and cleanse.harm(BEFORE) == 30.0 and retraining.harm(BEFORE) == 1.0
    assert best([pruning, cleanse, retraining], BEFORE) == [retraining]
    assert best([cleanse, pruning], BEFORE) == [pruning]
    assert "the best of the 3 repairs is Retraining" in reading(BEFORE, [pruning, cleanse, retraining])


def test_on_equal_harm_the_repair_refusing_fewer_honest_requests_is_best():
    # both leave 0 points of attack success and cost 2 points of clean accuracy (95% -> 93%), but the
    # monitor's 2 points are honest requests it refused, the pruning's are answers it got wrong
    monitor = repair("STRIP", 0.93, 0.0, refused=0.02)
    pruning = repair("Fine-Pruning", 0.93, 0.0)
    assert monitor.harm(BEFORE) == pruning.harm(BEFORE) == 2.0
    assert best([monitor, pruning], BEFORE) == [pruning]
    assert best([pruning, monitor], BEFORE) == [pruning]
    assert "the best of the 2 repairs and monitors is Fine-Pruning" in reading(BEFORE, [monitor, pruning])


def test_harm_and_cost_in_points_rounded_to_a_tenth():
    # 95.0% -> 96.0%: one point gained, so the cost is -1.0; 12.3 points of attack success left
    assert repair("Neural Cleanse", 0.96, 0.123).cost(BEFORE) == -1.0
    assert repair("Neural Cleanse", 0.96, 0.123).harm(BEFORE) == 11.3
    assert repair("Fine-Pruning", 0.5, 1.0).harm(BEFORE) == 145.0  # 100 left + 45 lost
    assert str(repair("Fine-Pruning", 0.9504, 0.0).cost(BEFORE)) == "0.0"  # -0.04 points: never "-0.0"


def test_harms_that_print_alike_tie():
    # 1.2 and 1.4 points of harm are different; 0.1 + 0.2 and 0.3 + 0.0 are the same harm
    a, b = repair("A", 0.95, 0.012), repair("B", 0.95, 0.014)
    assert best([b, a], BEFORE) == [a]
    c, d = repair("C", 0.948, 0.001), repair("D", 0.95, 0.003)  # 0.1 left + 0.2 lost; 0.3 left + 0 lost
    assert best([c, d], BEFORE) == [c, d]


def test_a_repair_made_without_refusals_refuses_nothing():
    plain = Outcome("Fine-Pruning", 1.0, "after", Evaluation(0.95, 0.0))
    assert plain.refused == 0.0 and plain.repaired
    assert "refusing" not in reading(BEFORE, [plain])
    assert not Outcome("Activation Clustering", 1.0, "x", flagged=3).repaired


def test_detection_sentences_count_each_kind_of_flag():
    from backdoor.outcomes import detection_sentence

    def flagged(**counts):
        return detection_sentence(Outcome("Spectral Signatures", 1.0, "x", **counts))

    assert flagged(flagged=0) == "Spectral Signatures flagged no training image, so it found nothing to remove."
    assert flagged() == "Spectral Signatures flagged no training image, so it found nothing to remove."
    assert flagged(flagged=1, caught=1, poisoned=40) == "Spectral Signatures flagged 1 training image, 1 of the 40 poisoned ones."
    assert flagged(flagged=1200) == "Spectral Signatures flagged 1,200 training images."  # truth unknown
    assert flagged(flagged=5, caught=3, poisoned=1000) == (
        "Spectral Signatures flagged 5 training images, 3 of the 1,000 poisoned ones and 2 clean ones.")
    assert flagged(flagged=3, caught=0, poisoned=10) == (
        "Spectral Signatures flagged 3 training images, all clean: it missed all 10 poisoned ones.")


def test_reading_in_full_for_a_detection_alone():
    found = Outcome("Spectral Signatures", 1.0, "x", flagged=1, caught=1, poisoned=40)
    nothing = Outcome("Activation Clustering", 1.0, "x", flagged=0)
    assert reading(BEFORE, [found, nothing]) == (
        "Before any defense the backdoor worked on 98.0% of triggered held-out images. Spectral Signatures flagged 1 "
        "training image, 1 of the 40 poisoned ones. Remove the flagged images and retrain to see whether the backdoor "
        "goes. Activation Clustering flagged no training image, so it found nothing to remove. None of the defenses "
        "run so far has changed the model, so its attack success is unchanged.")


def test_reading_in_full_for_repairs():
    strip, pruning = repair("STRIP", 0.93, 0.0, refused=0.02), repair("Fine-Pruning", 0.95, 0.15)  # harm 2 and 15
    assert reading(BEFORE, [pruning, strip]) == (
        "Before any defense the backdoor worked on 98.0% of triggered held-out images. Weighing attack success left, "
        "clean accuracy lost and honest requests refused, the best of the 2 repairs and monitors is STRIP: attack "
        "success 0.0% and "
        "clean accuracy 93.0% (2.0 points of clean accuracy lost, refusing 2.0% of honest requests).")
    assert "The one monitor run, STRIP, left attack success 0.0%" in reading(BEFORE, [strip])
    # one point gained, 20% of the attack left: above the 10% line, so the model is not to be trusted
    assert reading(BEFORE, [repair("Neural Cleanse", 0.96, 0.2)]) == (
        "Before any defense the backdoor worked on 98.0% of triggered held-out images. The one repair run, Neural "
        "Cleanse, left attack success 20.0% and clean accuracy 96.0% (1.0 points of clean accuracy gained). No repair "
        "brought the attack to 10% or below: this model should not be trusted.")
    a, b, c = repair("A", 0.95, 0.01), repair("B", 0.95, 0.01), repair("C", 0.90, 0.01)
    assert reading(BEFORE, [a, c, b]) == (
        "Before any defense the backdoor worked on 98.0% of triggered held-out images. Weighing attack success left, "
        "clean accuracy lost and honest requests refused, A and B did equally well among the 3 repairs: each left "
        "attack success 1.0% and clean accuracy 95.0% (at no cost in clean accuracy).")


def test_monitors_are_called_monitors_alone_and_beside_repairs():
    # STRIP refuses requests and leaves the model as it was: calling it a "repair" misleads
    strip, scale_up = repair("STRIP", 0.93, 0.5, refused=0.02), repair("SCALE-UP", 0.95, 0.98, refused=0.001)
    pruning, cleanse = repair("Fine-Pruning", 0.93, 0.5), repair("Neural Cleanse", 0.95, 0.98)
    assert "the best of the 2 monitors is STRIP" in reading(BEFORE, [strip, scale_up])
    assert reading(BEFORE, [strip, scale_up]).endswith(
        "No monitor brought the attack to 10% or below: this model should not be trusted.")
    mixed = reading(BEFORE, [strip, scale_up, pruning, cleanse])
    assert "the best of the 4 repairs and monitors is Fine-Pruning" in mixed  # ties STRIP, refuses nothing
    assert mixed.endswith("No repair or monitor brought the attack to 10% or below: this model should not be trusted.")
    quiet = Outcome("STRIP", 1.0, "after", Evaluation(0.93, 0.5), 0.0, monitor=True)  # refused no one
    assert "the repair and the monitor did equally well" in reading(BEFORE, [quiet, pruning])
    twins = repair("STRIP", 0.93, 0.5, refused=0.02), repair("STRIP again", 0.93, 0.5, refused=0.02)
    assert "both monitors did equally well" in reading(BEFORE, list(twins))
    assert "all 3 repairs and monitors did equally well" in reading(BEFORE, [quiet, replace(quiet, title="Q"), pruning])
    clean = reading(BEFORE, [strip, pruning], poisoned=False)
    assert "what each repair or monitor changed is a side effect, not a fix: STRIP" in clean
    assert "what the monitor changed is a side effect" in reading(BEFORE, [strip], poisoned=False)


def test_an_attack_brought_to_exactly_one_in_ten_counts_as_stopped():
    assert "should not be trusted" not in reading(BEFORE, [repair("Fine-Pruning", 0.95, 0.1)])
    assert "should not be trusted" in reading(BEFORE, [repair("Fine-Pruning", 0.95, 0.101)])
    assert "0.1 points of clean accuracy lost" in reading(BEFORE, [repair("Fine-Pruning", 0.949, 0.0)])


@pytest.mark.parametrize("flagged, caught, poisoned, said", [
    # the poison rate can be 0, and an inspection flags images anyway: every one is a false alarm
    (750, 0, 0, "flagged 750 training images, all clean: nothing was poisoned."),
    (1, 0, 0, "flagged 1 training image, a clean one: nothing was poisoned."),
    (2, 0, 0, "flagged 2 training images, both clean: nothing was poisoned."),
    (0, 0, 0, "flagged no training image, so it found nothing to remove."),
    # caught all of them: one, both, all; never "1 of the 1 poisoned ones"
    (1, 1, 1, "flagged 1 training image, the only poisoned one."),
    (3, 2, 2, "flagged 3 training images, both poisoned ones and 1 clean one."),
    (1200, 1000, 1000, "flagged 1,200 training images, all 1,000 poisoned ones and 200 clean ones."),
    # caught none of them
    (1, 0, 1, "flagged 1 training image, a clean one: it missed the only poisoned one."),
    (2, 0, 2, "flagged 2 training images, both clean: it missed both poisoned ones."),
    (5, 3, 1000, "flagged 5 training images, 3 of the 1,000 poisoned ones and 2 clean ones."),
    (1, 1, 40, "flagged 1 training image, 1 of the 40 poisoned ones."),
])
def test_detection_sentences_when_nothing_was_poisoned_and_at_one_both_and_all(flagged, caught, poisoned, said):
    from backdoor.outcomes import detection_sentence

    words = detection_sentence(Outcome("Activation Clustering", 1.0, "x", flagged=flagged, caught=caught,
                                       poisoned=poisoned))
    assert words == f"Activation Clustering {said}"


def test_reading_when_nothing_was_poisoned_claims_no_backdoor():
    clean_model = Evaluation(0.975, 0.01)
    clustering = Outcome("Activation Clustering", 1.0, "x", flagged=750, caught=0, poisoned=0)
    expected = ("Nothing was poisoned, so there is no backdoor: with the trigger on, the model gives the attacker's "
                "answer for 1.0% of triggered held-out images (its own mistakes). Activation Clustering flagged 750 "
                "training images, all clean: nothing was poisoned. None of the defenses run so far has changed the "
                "model, so its attack success is unchanged.")
    assert reading(clean_model, [clustering], poisoned=False) == expected
    assert reading(clean_model, [clustering]) == expected  # the inspection's own count says nothing was poisoned
    assert "whether the backdoor goes" not in expected and "backdoor worked" not in expected
    # a repair run on an unpoisoned model: no verdict about stopping an attack that does not exist
    words = reading(clean_model, [repair("Fine-Pruning", 0.95, 0.3)], poisoned=False)
    assert words.startswith("Nothing was poisoned, so there is no backdoor:")
    assert "should not be trusted" not in words and "10%" not in words
    # nor a "best repair": with no backdoor to remove, each repair's change is a side effect, a loss, none or a gain
    assert words.endswith("With no backdoor to remove, what the repair changed is a side effect, not a fix: "
                          "Fine-Pruning, 2.5 points of clean accuracy lost.")
    words = reading(clean_model, [repair("Neural Cleanse", 0.957, 0.0), repair("STRIP", 0.919, 0.0, refused=0.056),
                                  repair("ABL", 0.975, 0.01), repair("Fine-Pruning", 0.979, 0.02)], poisoned=False)
    assert "best" not in words and "Weighing" not in words
    assert words.endswith("what each repair or monitor changed is a side effect, not a fix: Neural Cleanse, 1.8 points of clean "
                          "accuracy lost; STRIP, 5.6 points of clean accuracy lost, refusing 5.6% of honest requests; "
                          "ABL, at no cost in clean accuracy; Fine-Pruning, 0.4 points of clean accuracy gained.")
    assert reading(Evaluation(0.975, 0.0), [], poisoned=False) == (
        "Nothing was poisoned, so there is no backdoor: with the trigger on, the model gives the attacker's answer for "
        "none of the triggered held-out images. No defense has been run on this model yet.")
    # poisoned, the advice stands, unless every flagged image was clean (removing them removes no backdoor)
    caught = Outcome("Activation Clustering", 1.0, "x", flagged=5, caught=3, poisoned=10)
    assert "Remove the flagged images and retrain" in reading(BEFORE, [caught])
    missed = Outcome("Activation Clustering", 1.0, "x", flagged=5, caught=0, poisoned=10)
    assert "Remove the flagged images" not in reading(BEFORE, [missed])
    assert reading(BEFORE, [caught], poisoned=True).startswith("Before any defense the backdoor worked on 98.0%")


def test_known_poisoned_follows_the_measured_counts():
    from backdoor.outcomes import known_poisoned

    assert known_poisoned([]) is None
    assert known_poisoned([repair("Fine-Pruning", 0.95, 0.0)]) is None  # a repair knows no count
    assert known_poisoned([Outcome("AC", 1.0, "x", flagged=3, caught=0, poisoned=0)]) is False
    assert known_poisoned([Outcome("AC", 1.0, "x", flagged=3, caught=1, poisoned=1)]) is True


def test_no_repair_is_called_a_failure_when_another_stopped_the_attack():
    # Neural Cleanse leads on harm (20 + 0 = 20 against 0 + 30), but Fine-Pruning did stop the attack
    cleanse, pruning = repair("Neural Cleanse", 0.95, 0.2), repair("Fine-Pruning", 0.65, 0.0)
    assert best([cleanse, pruning], BEFORE) == [cleanse]
    words = reading(BEFORE, [cleanse, pruning])
    assert "should not be trusted" not in words
    assert words.endswith("the best of the 2 repairs is Neural Cleanse: attack success 20.0% and clean accuracy "
                          "95.0% (at no cost in clean accuracy). Neural Cleanse still leaves the attack above 10%, but "
                          "Fine-Pruning (attack success 0.0%, 30.0 points of clean accuracy lost) brought it to 10% or "
                          "below.")
    # two that stopped it, each with its own figures; a monitor's refusals named
    strip = repair("STRIP", 0.60, 0.05, refused=0.1)
    words = reading(BEFORE, [cleanse, pruning, strip])
    assert ("but Fine-Pruning (attack success 0.0%, 30.0 points of clean accuracy lost) and STRIP (attack success "
            "5.0%, 35.0 points of clean accuracy lost, refusing 10.0% of honest requests) brought it to 10% or below."
            ) in words
    # none stopped it: the verdict stands, judged on every repair
    assert reading(BEFORE, [cleanse, repair("Fine-Pruning", 0.65, 0.11)]).endswith(
        "No repair brought the attack to 10% or below: this model should not be trusted.")
    # tied leaders, one above the line and one below: only the one above is said to leave it
    a, b = repair("A", 0.95, 0.12), repair("B", 0.85, 0.02)  # 12 + 0 and 2 + 10
    words = reading(BEFORE, [a, b])
    assert "both repairs did equally well" in words
    assert words.endswith("A still leaves the attack above 10%, but B (attack success 2.0%, 10.0 points of clean "
                          "accuracy lost) brought it to 10% or below.")
    c, d = repair("C", 0.95, 0.12), repair("D", 0.95, 0.12)
    assert "C and D still leave the attack above 10%" not in reading(BEFORE, [c, d])  # no one stopped it
    assert reading(BEFORE, [c, d]).endswith("this model should not be trusted.")


def test_tied_repairs_each_get_their_own_figures():
    pruning, anp = repair("Fine-Pruning", 0.97, 0.02), repair("ANP", 0.95, 0.0)  # 2 - 2 = 0 and 0 + 0 = 0
    assert best([pruning, anp], BEFORE) == [pruning, anp]
    assert reading(BEFORE, [pruning, anp]).endswith(
        "Weighing attack success left, clean accuracy lost and honest requests refused, both repairs did equally well: "
        "Fine-Pruning left attack success 2.0% and clean accuracy 97.0% (2.0 points of clean accuracy gained); ANP "
        "left attack success 0.0% and clean accuracy 95.0% (at no cost in clean accuracy).")
    three = [repair("A", 0.95, 0.01), repair("B", 0.95, 0.01), repair("C", 0.95, 0.01), repair("D", 0.5, 0.5)]
    words = reading(BEFORE, three)
    assert "A, B and C did equally well among the 4 repairs: each left attack success 1.0%" in words
    assert "A and B and C" not in words
    assert "all 3 repairs did equally well: each left" in reading(BEFORE, three[:3])


def test_an_attack_success_on_the_line_never_reads_as_the_line():
    from backdoor.outcomes import shown_asr

    assert shown_asr(0.1004) == ">10.0%" and shown_asr(0.0996) == "<10.0%"
    assert shown_asr(0.1) == "10.0%" and shown_asr(0.0) == "0.0%" and shown_asr(1.0) == "100.0%"
    words = reading(BEFORE, [repair("Fine-Pruning", 0.95, 0.1004)])
    assert "left attack success >10.0%" in words and "should not be trusted" in words
    words = reading(BEFORE, [repair("Fine-Pruning", 0.95, 0.0996)])
    assert "left attack success <10.0%" in words and "should not be trusted" not in words
    words = reading(BEFORE, [repair("Neural Cleanse", 0.95, 0.2), repair("Fine-Pruning", 0.80, 0.0996)])
    assert "but Fine-Pruning (attack success <10.0%, 15.0 points of clean accuracy lost) brought it" in words


@pytest.mark.parametrize("asr, held", [(0.0, False), (0.031, False), (0.4999, False), (0.5, True), (1.0, True)])
def test_an_attack_under_the_took_hold_line_is_said_to_leave_the_defenses_unjudged(asr, held):
    words = opening(Evaluation(0.964, asr))
    assert words.startswith("Before any defense the backdoor worked on ")
    assert ("That is under the 50% at which the lab counts an attack as having taken hold" in words) != held
    assert "took hold" not in opening(Evaluation(0.97, asr), poisoned=False)  # nothing poisoned: its own sentence
