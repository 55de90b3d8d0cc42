"""What the defender works with, and the action after a data inspection (retraining without the flags)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from backdoor.attacks import Poisoned
from backdoor.datasets import Dataset
from backdoor.metrics import Evaluation, evaluate
from backdoor.scenario import Scenario, train_model
from models import MODELS


@dataclass(frozen=True, eq=False)
class Lab:
    """What the defender works with. The clean test set is split in two: the defender's
    small clean set, and held-out images that every "after" figure is measured on."""

    dataset: Dataset
    scenario: Scenario
    model: nn.Module  # the (shared, cached) backdoored model: defenses copy it
    model_id: str
    poisoned: Poisoned
    attack_known: bool = True  # False when auditing a model from elsewhere: the scenario's trigger is a guess

    @property
    def half(self) -> int:
        return self.dataset.defender_size

    @property
    def clean(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.dataset.defender_set

    @property
    def held_out(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.dataset.held_out

    def evaluate(self, model: nn.Module) -> Evaluation:
        return evaluate(model, *self.held_out, self.scenario.trigger, self.scenario.target,
                        self.dataset.held_out_objects)

    @property
    def gradcam_layer(self) -> str:
        return MODELS[self.scenario.model].gradcam_layer


def retrain_without(lab: Lab, flags: torch.Tensor, on_progress=None) -> tuple[nn.Module, Evaluation]:
    """The action after a data-inspection defense: drop the flagged samples, train afresh."""
    cleaned = lab.poisoned.subset(~flags)
    device = next(lab.model.parameters()).device
    result = train_model(lab.dataset, lab.scenario, device, on_progress, training_set=cleaned)
    return result.model, lab.evaluate(result.model)
