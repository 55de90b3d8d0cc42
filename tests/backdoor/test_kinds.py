"""The two models' labels: the model trained on the lab's data is "backdoored" only when something was poisoned."""

from __future__ import annotations

from backdoor.kinds import KINDS, LABELS, UNPOISONED, labels, short_label


def test_a_poisoned_model_keeps_the_backdoored_label_at_any_positive_rate():
    for rate in (0.001, 0.1, 1.0, True):
        assert labels(rate) == LABELS
        assert short_label("backdoored", rate) == "Backdoored" and short_label("baseline", rate) == "Clean"


def test_nothing_poisoned_names_the_model_unpoisoned_and_leaves_the_baseline_alone():
    for rate in (0.0, False):
        names = labels(rate)
        assert tuple(names) == KINDS  # same kinds, same order: the pages iterate over it
        assert names["backdoored"] == UNPOISONED and "ackdoor" not in names["backdoored"]
        assert names["baseline"] == LABELS["baseline"]
        assert short_label("backdoored", rate) == "Unpoisoned"
    assert LABELS["backdoored"] == "Backdoored model"  # the shared table is never changed by a call
