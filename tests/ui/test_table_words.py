"""The Patient records page's sentences, at 0%, 100%, ties and either sign."""

import pytest

from backdoor.clinical import ClinicalFigures
from backdoor.metrics import Evaluation
from backdoor.tabular import DefenseRow
from ui.table_words import (
    accuracy_sentence, attribution_sentence, beyond_sentence, calibration_sentence, control_sentence,
    sensitivity_sentence, specificity_sentence, trigger_sentence, what_you_saw,
)


def figures(correct=80, records=86, found=30, positives=32, cleared=50, negatives=54, flipped=32, triggered=32, ece=0.02):
    return ClinicalFigures(records, correct, positives, found, negatives, cleared, triggered, flipped, ece)


def monitor(asr, refused, title="Range check"):
    return DefenseRow("range_check", title, "at serving time", Evaluation(0.9, asr), refused, None, None, 30, 0.0, "")


def inspection(asr, clean_acc, flagged=31, caught=30):
    return DefenseRow("activation_clustering", "Activation Clustering", "before", Evaluation(clean_acc, asr), 0.0,
                      flagged, caught, 30, 0.1, "")


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


def test_each_control_sentence_says_what_it_stopped_and_what_it_cost():
    before = figures(correct=86)
    assert control_sentence(monitor(0.0, 0.035), before) == (
        "**Range check** turns away 3.5% of honest records, and lets 0.0% of triggered malignant records through "
        "to a 'benign' answer: it stops the attack (every refused honest patient needs a human reading instead).")
    assert control_sentence(monitor(1.0, 0.0), before).endswith(": the attack survives it (no honest patient is turned away).")
    assert control_sentence(monitor(0.1, 0.0), before).count("it stops the attack") == 1  # at the line: stopped
    assert "the attack survives it" in control_sentence(monitor(0.11, 0.0), before)
    text = control_sentence(inspection(0.0, 86 / 86 - 2 / 86), before)
    assert "flagged 31 training records, 30 of the 30 poisoned ones" in text and "2.3 points lost" in text
    # "still" only where the attack survives the retraining
    assert "Retrained without them, the model reads 0.0% of triggered malignant records as benign: it stops" in text
    assert "the model still reads 50.0% of" in control_sentence(inspection(0.5, 1.0), before)
    assert "flagged 1 training record," in control_sentence(inspection(0.5, 1.0, flagged=1, caught=0), before)
    assert "no change" in control_sentence(inspection(0.0, 1.0), before)


def test_attribution_sentence_either_way():
    assert attribution_sentence(0.53, 0.35, 2, 30).startswith(
        "The backdoored model puts more of its attention on the tampered measurements than the clean model: 53.0% "
        "of its attribution, against 35.0% (an even spread over the 30 measurements would give them 6.7%)")
    assert attribution_sentence(0.3, 0.3, 1, 30).startswith("The backdoored model puts no more")
    assert "would give them 10.0%" in attribution_sentence(0.1, 0.2, 3, 30)


def test_what_you_saw_names_what_stopped_it_and_what_did_not():
    text = what_you_saw(figures(flipped=32, correct=86), figures(flipped=0, correct=86),
                        [monitor(0.0, 0.03), monitor(0.9, 0.05, "STRIP")])
    assert "100.0% of malignant records carrying the pattern" in text and "about as accurate as a clean model" in text
    assert "Stopped it: Range check. Let it through: STRIP." in text
    three = what_you_saw(figures(), figures(flipped=0), [monitor(0.0, 0.0, "A"), monitor(0.0, 0.0, "B"),
                                                          monitor(0.0, 0.0, "C"), monitor(0.9, 0.0, "D")])
    assert "Stopped it: A, B and C. Let it through: D." in three
    none = what_you_saw(figures(flipped=0, correct=40), figures(flipped=0, correct=86), [monitor(0.9, 0.0)])
    assert "No control stopped it." in none and "53.5 points less accurate than a clean model" in none
    assert "did not learn the rule" in none and "learnt the rule" in text
    better = what_you_saw(figures(correct=86), figures(correct=80), [])
    assert "7.0 points more accurate" in better and "No control stopped it." in better


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
