"""Which defense did best: the lowest harm wins, then the fewest honest requests refused."""

from backdoor.metrics import Evaluation
from backdoor.outcomes import Outcome, best, reading

BEFORE = Evaluation(0.95, 0.98)  # the backdoored model before any defense


def repair(title: str, acc: float, asr: float, refused: float = 0.0) -> Outcome:
    return Outcome(title, 1.0, "after", Evaluation(acc, asr), refused)


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
    assert "the best of the 2 repairs is Fine-Pruning" in reading(BEFORE, [monitor, pruning])


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
        "Spectral Signatures flagged 3 training images, 0 of the 10 poisoned ones and 3 clean ones.")


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
        "clean accuracy lost and honest requests refused, the best of the 2 repairs is STRIP: attack success 0.0% and "
        "clean accuracy 93.0% (2.0 points of clean accuracy lost, refusing 2.0% of honest requests).")
    # one point gained, 20% of the attack left: above the 10% line, so the model is not to be trusted
    assert reading(BEFORE, [repair("Neural Cleanse", 0.96, 0.2)]) == (
        "Before any defense the backdoor worked on 98.0% of triggered held-out images. The one repair run, Neural "
        "Cleanse, left attack success 20.0% and clean accuracy 96.0% (1.0 points of clean accuracy gained). No repair "
        "brought the attack to 10% or below: this model should not be trusted.")
    a, b, c = repair("A", 0.95, 0.01), repair("B", 0.95, 0.01), repair("C", 0.90, 0.01)
    assert reading(BEFORE, [a, c, b]) == (
        "Before any defense the backdoor worked on 98.0% of triggered held-out images. Weighing attack success left, "
        "clean accuracy lost and honest requests refused, A and B did equally well among the 3 repairs: attack success "
        "1.0% and clean accuracy 95.0% (at no cost in clean accuracy).")


def test_an_attack_brought_to_exactly_one_in_ten_counts_as_stopped():
    assert "should not be trusted" not in reading(BEFORE, [repair("Fine-Pruning", 0.95, 0.1)])
    assert "should not be trusted" in reading(BEFORE, [repair("Fine-Pruning", 0.95, 0.101)])
    assert "0.1 points of clean accuracy lost" in reading(BEFORE, [repair("Fine-Pruning", 0.949, 0.0)])
