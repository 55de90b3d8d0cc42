"""The training options the lab compares (Train page, Classroom page, start-up timings):
does augmentation or mixup stop a backdoor? Each is a change to ``TrainConfig``."""

from __future__ import annotations

from dataclasses import replace

from backdoor.scenario import Scenario

MIXUP_ALPHA = 0.4
OPTIONS = {
    "none": ("Plain training", dict(augment=False, mixup=0.0)),
    "augment": ("Random shifts (augmentation)", dict(augment=True, mixup=0.0)),
    "mixup": (f"mixup (alpha {MIXUP_ALPHA})", dict(augment=False, mixup=MIXUP_ALPHA)),
    "both": ("Shifts and mixup", dict(augment=True, mixup=MIXUP_ALPHA)),
}


def variant(scenario: Scenario, name: str) -> Scenario:
    """The scenario trained with option ``name`` instead of its own augmentation and mixup."""
    return replace(scenario, train=replace(scenario.train, **OPTIONS[name][1]))
