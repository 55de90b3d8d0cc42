"""A whole experiment as one frozen value: data, model, attack, poisoning and training.

Pages build a :class:`Scenario` from their widgets and hand it to these functions; the
same value is the cache key, so identical settings train once. The clean baseline
depends only on the data, model and training settings, so changing the attack never
retrains it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import torch

from backdoor.attacks import (
    ATTACKS, BadNets, PoisonConfig, Poisoned, Trigger, apply_trigger, attack_labels, attackable, placed, poison,
)
from backdoor.datasets import DEFAULT_DATASET, Dataset
from backdoor.metrics import evaluate, predict
from backdoor.train import Probe, ProgressFn, TrainConfig, TrainResult, train
from models import build_model


@dataclass(frozen=True)
class Scenario:
    dataset: str = DEFAULT_DATASET
    model: str = "small-cnn"
    attack: str = "badnets"
    trigger: Trigger = field(default_factory=BadNets)
    poison: PoisonConfig = field(default_factory=PoisonConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    data_seed: int = 0

    def __post_init__(self) -> None:
        if self.attack not in ATTACKS:
            raise ValueError(f"Unknown attack {self.attack!r}.")
        if not isinstance(self.trigger, ATTACKS[self.attack].config):
            raise ValueError(f"The trigger settings do not belong to the {self.attack} attack.")

    @property
    def target(self) -> int:
        return self.poison.target

    def stamp(self, x: torch.Tensor, objects: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` with the trigger on; ``objects``: where each image's object sits (``Dataset.test_objects``)."""
        return apply_trigger(x, self.trigger, objects)

    def footprint(self, x: torch.Tensor, objects: torch.Tensor | None = None) -> torch.Tensor:
        """Boolean (H, W): where the trigger lives on the images ``x``."""
        return self.trigger.footprint(x, **placed(self.trigger, objects))

    @property
    def all_to_all(self) -> bool:
        return self.poison.all_to_all

    def attackable(self, y: torch.Tensor) -> torch.Tensor:
        """Which images of true class ``y`` the attack tries to move (ASR counts only these)."""
        return attackable(y, self.target)

    def goal(self, y: torch.Tensor, num_classes: int) -> torch.Tensor:
        """Where the attacker wants each triggered image of true class ``y`` to go."""
        return attack_labels(y, self.target, num_classes)

    def target_phrase(self, classes: tuple[str, ...]) -> str:
        """The target in words: "'zero'", or "the next class" for all-to-all."""
        return "the next class (all-to-all)" if self.all_to_all else f"'{classes[self.target]}'"

    def baseline(self) -> "Scenario":
        """The clean model to compare against: same data, model and training, nothing poisoned.

        On images the trigger is reset to a canonical value so every attack shares one baseline;
        measure its ASR for a given trigger with :func:`trigger_report`. On a table (where no
        image attack fits) the attack is kept, unpoisoned, so the baseline is probed with the same trigger."""
        if "image" not in ATTACKS[self.attack].modalities:
            return replace(self, poison=replace(self.poison, rate=0.0))
        return replace(self, attack="badnets", trigger=BadNets(), poison=PoisonConfig(rate=0.0))


def poisoned_training_set(dataset: Dataset, scenario: Scenario) -> Poisoned:
    return poison(dataset.x_train, dataset.y_train, scenario.trigger, scenario.poison, dataset.num_classes,
                  dataset.objects_train)


def train_model(
    dataset: Dataset,
    scenario: Scenario,
    device: torch.device | str = "cpu",
    on_progress: Optional[ProgressFn] = None,
    should_stop: Callable[[], bool] = lambda: False,
    training_set: Optional[Poisoned] = None,
    measure_asr: bool = True,
) -> TrainResult:
    """Poison (unless the rate is 0) and train a fresh model, probing clean accuracy (and,
    with ``measure_asr``, the attack success rate) every epoch on the held-out test images,
    so its final record is the model's headline figures."""
    data = training_set or poisoned_training_set(dataset, scenario)
    torch.manual_seed(scenario.train.seed)
    model = build_model(scenario.model, dataset.image_shape, dataset.num_classes)
    stamp = (lambda x: scenario.stamp(x, dataset.held_out_objects)) if measure_asr else None
    probe = Probe(*dataset.held_out, stamp, scenario.target)
    return train(model, data.x, data.y, scenario.train, probe, device, on_progress, should_stop)


@dataclass(frozen=True, eq=False)
class TriggerCounts:
    """A model on the held-out images, clean and with the trigger: its predictions, and the counts
    behind its two headline figures."""

    clean_pred: torch.Tensor
    triggered_pred: torch.Tensor
    correct: int  # clean images classified right
    images: int
    sent: int  # attackable images the trigger sent where the attacker wants them
    attackable: int  # images not already where the attacker wants them
    kept: int  # of those, the ones the trigger leaves on their true class

    @property
    def clean_acc(self) -> float:
        return self.correct / max(self.images, 1)

    @property
    def asr(self) -> float:
        return self.sent / max(self.attackable, 1)


def trigger_counts(model, dataset: Dataset, scenario: Scenario, device) -> TriggerCounts:
    """Every held-out image through ``model``, clean and triggered (the Trigger page's confusion matrices)."""
    x, y = dataset.held_out
    clean, triggered = predict(model, x, device), predict(model, scenario.stamp(x, dataset.held_out_objects), device)
    movable = scenario.attackable(y)
    goals = scenario.goal(y, dataset.num_classes)
    return TriggerCounts(clean, triggered, int((clean == y).sum()), len(y),
                         int((triggered[movable] == goals[movable]).sum()), int(movable.sum()),
                         int((triggered[movable] == y[movable]).sum()))


def trigger_report(model, dataset: Dataset, scenario: Scenario) -> dict[str, float]:
    """Clean accuracy and ASR of any trained model under this scenario's trigger, on the held-out test images."""
    result = evaluate(model, *dataset.held_out, scenario.trigger, scenario.target, dataset.held_out_objects)
    return {"clean_acc": result.clean_acc, "asr": result.asr}
