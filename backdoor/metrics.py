"""What we measure: clean accuracy, attack success rate, predictions and confusion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from backdoor.attacks import Trigger, apply_trigger, attack_labels, attackable

Stamp = Callable[[torch.Tensor], torch.Tensor]


GUESSING_MARGIN = 0.05  # a clean accuracy within this of 1 / classes is what guessing scores


def only_guesses(clean_acc: float, num_classes: int) -> bool:
    """Clean accuracy at the level of random guessing (within ``GUESSING_MARGIN`` of 1 / classes): the model
    learnt nothing, and one that answers one class for everything 'succeeds' on every triggered image, so its
    attack success rate says nothing about a trigger (a learning rate of 1.0 trains such a model)."""
    # compared in the tenths of a point a page shows, so "15.0%" is not guessing on ten classes (10% + 5)
    return round(100 * clean_acc, 1) < round(100 * (1 / num_classes + GUESSING_MARGIN), 1)


@torch.no_grad()
def predict_proba(
    model: nn.Module, x: torch.Tensor, device: torch.device | str = "cpu", batch_size: int = 512
) -> torch.Tensor:
    """Class probabilities (N, K) on the CPU, with the model in eval mode."""
    was_training = model.training
    model.eval()
    out = [
        torch.softmax(model(x[i : i + batch_size].to(device)), dim=1).cpu()
        for i in range(0, len(x), batch_size)
    ]
    model.train(was_training)
    return torch.cat(out) if out else torch.empty(0)


def predict(model: nn.Module, x: torch.Tensor, device: torch.device | str = "cpu") -> torch.Tensor:
    return predict_proba(model, x, device).argmax(dim=1)


def clean_accuracy(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, device: torch.device | str = "cpu"
) -> float:
    """Fraction of clean test images classified correctly."""
    return float((predict(model, x, device) == y).float().mean())


def attack_success_rate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    stamp: Stamp,
    target: int,
    device: torch.device | str = "cpu",
) -> float:
    """Of the test images not already where the attacker wants them, the fraction the
    model sends there once the trigger is stamped on them (all-to-one: to ``target``;
    ``target=ALL_TO_ALL``: class y to (y + 1) mod K)."""
    keep = attackable(y, target)
    if not keep.any():
        return float("nan")
    proba = predict_proba(model, stamp(x)[keep], device)  # stamp(x): a placed trigger needs every row's object
    goal = attack_labels(y[keep], target, proba.shape[1])
    return float((proba.argmax(dim=1) == goal).float().mean())


def confusion_matrix(true: torch.Tensor, pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts (K, K): row = true class, column = predicted class."""
    flat = true.long() * num_classes + pred.long()
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


@dataclass(frozen=True)
class Evaluation:
    """How a model does on the clean test set and under the trigger."""

    clean_acc: float
    asr: float


def evaluate(model: nn.Module, x_test: torch.Tensor, y_test: torch.Tensor, trigger: Trigger, target: int,
             objects: torch.Tensor | None = None) -> Evaluation:
    """Clean accuracy and attack success rate, on the model's own device (``objects``: where each
    image's object sits, for a trigger placed on it)."""
    device = next(model.parameters()).device
    return Evaluation(
        clean_accuracy(model, x_test, y_test, device),
        attack_success_rate(model, x_test, y_test, lambda x: apply_trigger(x, trigger, objects), target, device),
    )
