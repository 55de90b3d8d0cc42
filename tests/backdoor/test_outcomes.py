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
