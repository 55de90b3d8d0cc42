"""The training chart's note on attack-success points it leaves out: none, one epoch, several."""

from __future__ import annotations

import math

from backdoor.train import EpochRecord
from ui.charts import guessing_note


def record(epoch: int, clean_acc: float, asr: float = 1.0) -> EpochRecord:
    return EpochRecord(epoch, 0.5, clean_acc, asr, 1.0)


def test_no_note_when_every_point_is_drawn():
    assert guessing_note({"backdoored": [record(1, 0.9), record(2, 0.97)]}, 10) == ""
    assert guessing_note({"baseline": [record(1, 0.1, math.nan)]}, 10) == ""  # no trigger probed: nothing hidden


def test_the_hidden_epochs_are_named_in_the_right_number():
    one = guessing_note({"backdoored": [record(1, 0.11), record(2, 0.97)]}, 10)
    assert one.startswith("Attack success is not drawn for epoch 1: there the model only guessed (clean accuracy "
                          "near chance, 10%)")
    several = guessing_note({"backdoored": [record(1, 0.1), record(2, 0.12), record(3, 0.9)],
                             "baseline": [record(3, 0.1), record(4, 0.97)]}, 10)
    assert several.startswith("Attack success is not drawn for epochs 1, 2 and 3:")
