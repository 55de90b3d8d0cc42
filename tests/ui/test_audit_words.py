"""The Audit page's closing words at their edges: a file that obeys the lab's trigger or not, Neural
Cleanse flagging one class, several or none, or not run, repairs and monitors, 0% and 100%."""

from backdoor.metrics import Evaluation
from backdoor.outcomes import Outcome
from ui.audit_words import CLOSING, audit_reading

CLASSES = [str(d) for d in range(10)]
OBEYS, DEAF = Evaluation(0.97, 1.0), Evaluation(0.97, 0.0)
CLEANSE = Outcome("Neural Cleanse", 1.0, "after", Evaluation(0.962, 0.007))
STRIP = Outcome("STRIP", 1.0, "after", Evaluation(0.92, 0.0), refused=0.05, monitor=True)


def test_a_file_that_obeys_the_trigger_and_is_flagged_then_repaired():
    words = audit_reading(OBEYS, [CLEANSE], CLASSES, [0])
    assert words.startswith("This file gets 97.0% of the clean test images right, and the lab's current trigger sends "
                            "100.0% of the triggered ones where that attack wants them. It obeys that trigger: treat "
                            "it as backdoored. Neural Cleanse found a suspiciously small trigger towards '0': the mark "
                            "of a backdoor towards that class")
    assert "The one repair run, Neural Cleanse, left attack success 0.7%" in words
    assert words.endswith(CLOSING)


def test_a_file_deaf_to_the_trigger_is_never_cleared():
    words = audit_reading(DEAF, [], CLASSES, None)
    assert "0.0% of the triggered ones" in words and "It does not obey that trigger, which does not clear it" in words
    assert "Neural Cleanse" not in words and words.endswith(CLOSING)
    nothing = audit_reading(DEAF, [CLEANSE], CLASSES, [])
    assert "no sign of a patch-like backdoor. That does not clear the file either" in nothing
    assert ("The lab's trigger had nothing to undo here, so what the repair changed is only its cost: Neural Cleanse, "
            "0.8 points of clean accuracy lost.") in nothing


def test_several_flagged_classes_and_a_search_that_misses_a_trigger_the_file_obeys():
    assert "towards '3' and '7': the mark of a backdoor towards those classes" in audit_reading(
        DEAF, [], CLASSES, [3, 7])
    missed = audit_reading(OBEYS, [], CLASSES, [])
    assert "yet the file obeys the lab's trigger: its search misses triggers like this one" in missed
    assert "either" not in missed


def test_costs_of_a_repair_and_a_monitor_with_nothing_to_undo():
    same = Outcome("Fine-Pruning", 1.0, "after", Evaluation(0.97, 0.0))
    words = audit_reading(DEAF, [same, STRIP], CLASSES, None)
    assert ("what each repair or monitor changed is only its cost: Fine-Pruning, at no cost in clean accuracy; STRIP, "
            "5.0 points of clean accuracy lost, refusing 5.0% of honest requests.") in words
    gained = Outcome("ANP", 1.0, "after", Evaluation(0.975, 0.0))
    assert "ANP, 0.5 points of clean accuracy gained" in audit_reading(DEAF, [gained], CLASSES, None)


def test_the_ten_percent_line_itself_counts_as_not_obeying():
    assert "It does not obey that trigger" in audit_reading(Evaluation(0.97, 0.1), [], CLASSES, None)
    assert "It obeys that trigger" in audit_reading(Evaluation(0.97, 0.101), [], CLASSES, None)
