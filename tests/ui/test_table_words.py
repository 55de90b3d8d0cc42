"""The Patient records page's sentences, at 0%, 100%, ties and either sign."""

import pytest

from backdoor.clinical import ClinicalFigures
from backdoor.metrics import Evaluation
from backdoor.tabular import DefenseRow
from ui.table_words import (
    accuracy_sentence, attribution_sentence, beyond_sentence, calibration_sentence, control_sentence, learnt,
    record_sentence, sensitivity_sentence, specificity_sentence, trigger_sentence, what_you_saw,
)


def figures(correct=80, records=86, found=30, positives=32, cleared=50, negatives=54, flipped=32, triggered=32, ece=0.02):
    return ClinicalFigures(records, correct, positives, found, negatives, cleared, triggered, flipped, ece)


def monitor(asr, refused, title="Range check", poisoned=30):
    return DefenseRow("range_check", title, "at serving time", Evaluation(0.9, asr), refused, None, None, poisoned,
                      0.0, "")


def inspection(asr, clean_acc, flagged=31, caught=30, poisoned=30, title="Activation Clustering"):
    return DefenseRow("activation_clustering", title, "before", Evaluation(clean_acc, asr), 0.0,
                      flagged, caught, poisoned, 0.1, "")


def test_sensitivity_and_specificity_name_the_misses_and_false_alarms():
    assert sensitivity_sentence("Backdoored model", figures(found=30)) == (
        "The backdoored model finds 30 of 32 malignant tumours (93.8%: its sensitivity); it misses 2 cancers.")
    assert sensitivity_sentence("Clean baseline", figures(found=31)).endswith("it misses 1 cancer.")
    assert sensitivity_sentence("Clean baseline", figures(found=32)).endswith("(100.0%: its sensitivity); it misses none.")
    assert "0 of 32 malignant tumours (0.0%" in sensitivity_sentence("Clean baseline", figures(found=0))
    assert "cannot be measured" in sensitivity_sentence("Clean baseline", figures(found=0, positives=0))
    assert specificity_sentence("x", figures(cleared=54)).endswith("with no false alarm.")
    assert specificity_sentence("x", figures(cleared=53)).endswith("with 1 false alarm (a healthy patient sent for more tests).")
    assert specificity_sentence("x", figures(cleared=51)).endswith("with 3 false alarms (healthy patients sent for more tests).")
    assert "cannot be measured" in specificity_sentence("Clean baseline", figures(cleared=0, negatives=0))


def test_the_trigger_sentence_at_all_none_and_nothing_to_try():
    assert trigger_sentence(figures(flipped=32), figures(flipped=0)) == (
        "With the tampered measurements, the backdoored model reads 32 of 32 (100.0%) malignant records as benign: "
        "each one a missed cancer. Given the same tampered records, the clean model reads 0 of 32 (0.0%) as benign.")
    assert trigger_sentence(figures(flipped=0), figures(flipped=0)).endswith("as benign: the trigger did not take.")
    assert "reads 1 of 32 (3.1%) malignant records as benign: a missed cancer. Given" in trigger_sentence(
        figures(flipped=1), figures(flipped=0))
    assert "cannot be tried" in trigger_sentence(figures(flipped=0, triggered=0), figures(flipped=0, triggered=0))


@pytest.mark.parametrize("bad, clean, change, verdict", [
    (86, 86, "no change", "cannot tell them apart"),
    (84, 86, "2.3 points lost", "could notice"),
    (85, 86, "1.2 points lost", "cannot tell them apart"),
    (86, 85, "1.2 points gained", "cannot tell them apart"),
    (0, 86, "100.0 points lost", "could notice"),
])
def test_the_accuracy_sentence_says_the_change_and_whether_a_test_would_see_it(bad, clean, change, verdict):
    sentence = accuracy_sentence(figures(correct=bad), figures(correct=clean))
    assert f": {change}, so " in sentence and verdict in sentence


def test_calibration_in_points():
    close = calibration_sentence(figures(ece=0.024), figures(ece=0.004))
    assert "2.4 points for the backdoored model, 0.4 for the clean one: its confidence" in close
    assert "gives nothing away" in calibration_sentence(figures(ece=0.0), figures(ece=0.02))  # 2 points: the line
    far = calibration_sentence(figures(ece=0.0), figures(ece=0.031))
    assert "3.1 points apart, a difference a calibration check would notice" in far
    assert "nothing away either" not in close  # the accuracy sentence may have said a test could notice


@pytest.mark.parametrize("bad, clean", [(0.0204, 0.0), (0.0196, 0.0), (0.0, 0.0204), (0.0251, 0.0049)])
def test_calibration_judges_the_figures_it_shows_so_a_shown_tie_reads_alike(bad, clean):
    # each pair shows "2.0" points apart (or 2.5 and 0.5): on the line, so nothing given away, whichever side
    sentence = calibration_sentence(figures(ece=bad), figures(ece=clean))
    assert "gives nothing away" in sentence and "apart" not in sentence


def test_calibration_just_past_the_shown_line_and_either_sign():
    assert "2.1 points apart" in calibration_sentence(figures(ece=0.021), figures(ece=0.0))
    assert "2.1 points apart" in calibration_sentence(figures(ece=0.0), figures(ece=0.021))  # better calibrated
    same = calibration_sentence(figures(ece=0.0), figures(ece=0.0))
    assert "0.0 points for the backdoored model, 0.0 for the clean one: its confidence" in same


def test_each_control_sentence_says_what_it_stopped_and_what_it_cost():
    before = figures(correct=86)
    assert control_sentence(monitor(0.0, 0.035), before) == (
        "**Range check** turns away 3.5% of honest records, and lets 0.0% of triggered malignant records through "
        "to a 'benign' answer: it stops the attack (every refused honest patient needs a human reading instead).")
    assert control_sentence(monitor(1.0, 0.0), before).endswith(": the attack survives it (no honest patient is turned away).")
    assert control_sentence(monitor(0.1, 0.0), before).count("it stops the attack") == 1  # at the line: stopped
    assert "the attack survives it" in control_sentence(monitor(0.11, 0.0), before)
    text = control_sentence(inspection(0.0, 86 / 86 - 2 / 86), before)
    assert "flagged 31 training records, catching all 30 poisoned records." in text and "2.3 points lost" in text
    # "still" only where the attack survives the retraining
    assert "Retrained without them, the model reads 0.0% of triggered malignant records as benign: it stops" in text
    assert "the model still reads 50.0% of" in control_sentence(inspection(0.5, 1.0), before)
    one = control_sentence(inspection(0.5, 1.0, flagged=1, caught=0), before)
    assert "flagged 1 training record, catching none of the 30 poisoned records. Retrained without it, the" in one
    assert "no change" in control_sentence(inspection(0.0, 1.0), before)
    assert "1.2 points gained" in control_sentence(inspection(0.0, 1.0), figures(correct=85))  # a negative cost


@pytest.mark.parametrize("flagged, caught, poisoned, words", [
    (31, 30, 30, "flagged 31 training records, catching all 30 poisoned records. Retrained without them,"),
    (3, 2, 2, "flagged 3 training records, catching both poisoned records. Retrained without them,"),
    (1, 1, 1, "flagged 1 training record, catching the poisoned record. Retrained without it,"),
    (5, 0, 1, "flagged 5 training records, missing the poisoned record. Retrained without them,"),
    (5, 0, 2, "flagged 5 training records, catching neither poisoned record."),
    (20, 12, 30, "flagged 20 training records, catching 12 of the 30 poisoned records."),
    (1, 1, 30, "flagged 1 training record, catching 1 of the 30 poisoned records. Retrained without it,"),
])
def test_what_an_inspection_caught_agrees_with_its_counts(flagged, caught, poisoned, words):
    assert words in control_sentence(inspection(0.0, 1.0, flagged, caught, poisoned), figures(correct=86))


def test_an_inspection_that_flags_nothing_removes_nothing_and_is_not_credited():
    before = figures(correct=86)
    kept = control_sentence(inspection(0.9, 1.0, flagged=0, caught=0), before)
    assert kept.startswith("**Activation Clustering** flagged no training record, so nothing was removed. Retrained on "
                           "the same file, the model still reads 90.0% of triggered")
    assert "the attack survives it" in kept and "0 training records" not in kept and "0 of the" not in kept
    luck = control_sentence(inspection(0.05, 1.0, flagged=0, caught=0), before)  # retraining alone brought it down
    assert "it stops the attack" not in luck and "not from the control" in luck
    saw = what_you_saw(figures(), figures(flipped=0), [inspection(0.05, 1.0, flagged=0, caught=0, title="AC")], 30)
    assert "Stopped it" not in saw and "No control stopped it." in saw


def test_nothing_poisoned_gives_no_control_a_backdoor_to_stop():
    before = figures(flipped=0, correct=86)  # rate 0: the model never learnt anything
    for row in (monitor(0.0, 0.03, poisoned=0), inspection(0.0, 1.0, flagged=7, caught=0, poisoned=0)):
        text = control_sentence(row, before)
        assert "it stops the attack" not in text
        assert "nothing was poisoned, so there was no backdoor for it to stop" in text
        assert "still" not in text
    seven = control_sentence(inspection(0.0, 1.0, flagged=7, caught=0, poisoned=0), before)
    assert "flagged 7 training records, all of them honest. Retrained without them" in seven
    assert "0 of the 0" not in seven
    assert "flagged 1 training record, an honest one. Retrained without it," in control_sentence(
        inspection(0.0, 1.0, flagged=1, caught=0, poisoned=0), before)
    none = control_sentence(inspection(0.0, 1.0, flagged=0, caught=0, poisoned=0), before)
    assert "flagged no training record, so nothing was removed." in none and "nothing was poisoned, so" in none


@pytest.mark.parametrize("asr", [0.0, 0.1])  # none read as benign, and exactly at the line
def test_a_backdoor_the_model_never_learnt_is_not_stopped_by_any_control(asr):
    before = figures(flipped=round(32 * asr), correct=86)
    assert not learnt(before)
    for row in (monitor(0.0, 0.03), inspection(0.0, 1.0), inspection(0.2, 1.0)):
        text = control_sentence(row, before)
        assert "it stops the attack" not in text and "survives" not in text and "still" not in text
        assert "the model never learnt the rule, so there was no working backdoor for it to stop" in text
    assert learnt(figures(flipped=4)) and not learnt(figures(flipped=0, triggered=0))  # 12.5%; nothing to try


def test_attribution_sentence_either_way():
    assert attribution_sentence(0.53, 0.35, 2, 30, True).startswith(
        "The backdoored model puts more of its attention on the tampered measurements than the clean model: 53.0% "
        "of its attribution, against 35.0% (an even spread over the 30 measurements would give them 6.7%)")
    assert attribution_sentence(0.53, 0.35, 2, 30, True).endswith(
        "Both see the tampered values; only the backdoored model has learnt that they mean 'benign'.")
    assert attribution_sentence(0.3, 0.3, 1, 30, True).startswith("The backdoored model puts no more")
    assert "would give them 10.0%" in attribution_sentence(0.1, 0.2, 3, 30, True)


def test_attribution_with_one_measurement_a_shown_tie_and_no_rule_learnt():
    one = attribution_sentence(0.5, 0.1, 1, 30, True)
    assert "on the tampered measurement than" in one and "would give it 3.3%" in one
    assert one.endswith("Both see the tampered value; only the backdoored model has learnt that it means 'benign'.")
    assert attribution_sentence(0.30004, 0.3, 2, 30, True).startswith("The backdoored model puts no more")  # both 30.0%
    never = attribution_sentence(0.5, 0.1, 2, 30, False)
    assert "only the backdoored model has learnt" not in never
    assert never.endswith("Both see the tampered values, but this time neither model has learnt that they mean "
                          "'benign'.")


def test_a_trigger_set_at_the_average_is_said_to_be_out_of_integrated_gradients_sight():
    two = attribution_sentence(0.0, 0.0, 2, 30, True, at_average=True)
    assert two.startswith("Integrated Gradients credits each measurement for how far it sits from the average record")
    assert ("the tampered measurements to the average itself, so they get no credit from either model (0.0% and 0.0%)"
            in two)
    assert "no more of its attention" not in two and "only the backdoored model has learnt" not in two
    one = attribution_sentence(0.0, 0.0, 1, 30, False, at_average=True)
    assert "the tampered measurement to the average itself, so it gets no credit" in one


@pytest.mark.parametrize("clean, triggered, words", [
    (0, 1, "says **malignant** for this record as measured, and **benign** once the tampered measurements are set: "
           "a missed cancer."),
    (0, 0, "says **malignant** for this record as measured, and still **malignant** once the tampered measurements "
           "are set: the trigger changes nothing here."),
    (1, 1, "says **benign** for this record as measured (a missed cancer even without the trigger), and still "
           "**benign** once"),
    (1, 0, "(a missed cancer even without the trigger), and **malignant** once the tampered measurements are set."),
])
def test_one_records_answers_read_true_whether_or_not_the_trigger_flips_it(clean, triggered, words):
    assert words in record_sentence(clean, triggered)


def test_what_you_saw_names_what_stopped_it_and_what_did_not():
    text = what_you_saw(figures(flipped=32, correct=86), figures(flipped=0, correct=86),
                        [monitor(0.0, 0.03), monitor(0.9, 0.05, "STRIP")], 30)
    assert "100.0% of malignant records carrying the pattern" in text and "about as accurate as a clean model" in text
    assert "Stopped it: Range check. Let it through: STRIP." in text
    assert "30 training records carried a tampered pattern" in text and "The model learnt the rule:" in text
    three = what_you_saw(figures(), figures(flipped=0), [monitor(0.0, 0.0, "A"), monitor(0.0, 0.0, "B"),
                                                          monitor(0.0, 0.0, "C"), monitor(0.9, 0.0, "D")], 30)
    assert "Stopped it: A, B and C. Let it through: D." in three
    worse = what_you_saw(figures(flipped=32, correct=40), figures(flipped=0, correct=86), [monitor(0.9, 0.0)], 30)
    assert "No control stopped it." in worse and "53.5 points less accurate than a clean model" in worse
    better = what_you_saw(figures(correct=86), figures(correct=80), [], 30)
    assert "7.0 points more accurate" in better and "No control stopped it." in better
    assert "1 training record carried" in what_you_saw(figures(), figures(flipped=0), [], 1)


@pytest.mark.parametrize("flipped", [0, 3])  # 0% and 9.4%: at or under the line, the rule was not learnt
def test_what_you_saw_credits_no_control_when_the_model_never_learnt_the_rule(flipped):
    none = what_you_saw(figures(flipped=flipped, correct=40), figures(flipped=0, correct=86),
                        [monitor(0.0, 0.0), inspection(0.0, 1.0)], 30)
    assert "did not learn the rule" in none and "learnt the rule:" not in none
    assert "Stopped it" not in none and "With no working backdoor, no control had anything to stop." in none
    assert "53.5 points less accurate than a clean model" in none


def test_what_you_saw_when_nothing_was_poisoned():
    text = what_you_saw(figures(flipped=0), figures(flipped=0), [monitor(0.0, 0.0), inspection(0.0, 1.0, 7, 0, 0)], 0)
    assert text.startswith("Nothing was poisoned this time, so the model had no backdoor to learn. 0.0% of malignant")
    assert "poisoned exactly as the digits were" not in text and "a few records" not in text
    assert "Stopped it" not in text and "no control had anything to stop" in text
    # even where the pattern alone sways an unpoisoned model, no control is credited with stopping a backdoor
    swayed = what_you_saw(figures(flipped=20), figures(flipped=20), [monitor(0.0, 0.0)], 0)
    assert "Stopped it" not in swayed and "62.5% of malignant records carrying the pattern" in swayed


def test_what_you_saw_with_no_malignant_record_to_try():
    text = what_you_saw(figures(flipped=0, triggered=0), figures(flipped=0, triggered=0), [], 30)
    assert "could not be tried" in text and "nan%" not in text and "learn" not in text and "Stopped" not in text


def test_the_tampered_values_beyond_the_honest_range_are_counted_in_words():
    assert beyond_sentence(2, 2) == ("Both tampered values lie outside every honest training record's range: a range "
                                     "check on trusted records can refuse the records that carry them (see the "
                                     "controls below).")
    assert beyond_sentence(3, 3).startswith("All 3 tampered values lie outside")
    assert beyond_sentence(1, 1).startswith("The tampered value lies outside") and "carry it (" in beyond_sentence(1, 1)
    assert beyond_sentence(0, 1) == ("The tampered value lies inside every honest training record's range: no range "
                                     "check can tell these records from honest ones.")
    assert beyond_sentence(0, 2).startswith("Neither tampered value lies outside")
    assert beyond_sentence(0, 3).startswith("None of the 3 tampered values lies outside")
    assert beyond_sentence(1, 3).startswith("1 of the 3 tampered values lies outside") and "carry it (" in beyond_sentence(1, 3)
    assert beyond_sentence(2, 3).startswith("2 of the 3 tampered values lie outside")


def test_with_nothing_poisoned_no_sentence_calls_the_model_backdoored():
    """The page passes "Unpoisoned model" when no training record was poisoned (backdoor.kinds.labels)."""
    name = "Unpoisoned model"
    sentences = [trigger_sentence(figures(flipped=0), figures(flipped=0), name),
                 trigger_sentence(figures(flipped=3), figures(flipped=3), name),
                 accuracy_sentence(figures(), figures(), name),
                 calibration_sentence(figures(), figures(), name),
                 attribution_sentence(0.348, 0.348, 2, 30, False, name),
                 record_sentence(0, 0, name), record_sentence(0, 1, name)]
    for sentence in sentences:
        assert "backdoored" not in sentence.lower() and "unpoisoned model" in sentence.lower(), sentence
    assert attribution_sentence(0.348, 0.348, 2, 30, False, name).startswith("The unpoisoned model puts no more of")
    assert record_sentence(0, 0, name).startswith("The unpoisoned model says")
