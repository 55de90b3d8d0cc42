"""One training loop for every model, attack and defense in the lab.

Seeded, cancellable, and UI-free: it reports through ``on_progress(done, total, info)``
after every batch and every epoch, and checks ``should_stop()`` between batches. Each
epoch it records the loss, the clean test accuracy and, when a trigger is given, the
attack success rate.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch
from torch import nn

from backdoor.augment import mixup, random_shift
from backdoor.metrics import Stamp, attack_success_rate, clean_accuracy

SHIFT_PIXELS = 2
# "Stuck at chance": after this many steps, two epochs in a row whose mean loss is still at
# least this share of a uniform guess's loss (ln K) and falling by under 2% mean the model
# has collapsed (a learning rate far too large), not that it is learning slowly.
STUCK_AFTER_STEPS = 100
STUCK_LOSS_SHARE = 0.97
STUCK_IMPROVEMENT = 0.02


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message says what to change."""


@dataclass(frozen=True)
class TrainConfig:
    """How to train.

    Args:
        epochs: passes over the training set (default 5).
        batch_size: images per step (default 64).
        learning_rate: Adam's peak step size (default 0.003).
        seed: fixes the initial weights and the batch order.
        augment: shift every training image by up to 2 pixels (see ``backdoor.augment``).
        mixup: mixup's alpha (0 = off; 0.2-1 are usual).
    """

    epochs: int = 5
    batch_size: int = 64
    learning_rate: float = 3e-3
    seed: int = 0
    augment: bool = False
    mixup: float = 0.0

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError("Train for at least one epoch.")
        if not 0.0 <= self.mixup <= 4.0:
            raise ValueError("mixup's alpha must be between 0 (off) and 4.")
        if self.batch_size < 1:
            raise ValueError("The batch size must be at least 1.")
        if not self.learning_rate > 0:
            raise ValueError("The learning rate must be positive.")


@dataclass(frozen=True, eq=False)
class Probe:
    """What to measure after each epoch: a clean test set and, optionally, a trigger."""

    x: torch.Tensor
    y: torch.Tensor
    stamp: Optional[Stamp] = None
    target: int = 0  # or ALL_TO_ALL


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    loss: float
    clean_acc: float
    asr: float  # NaN when no trigger was probed
    seconds: float


@dataclass(frozen=True)
class Progress:
    """What ``on_progress`` gets as ``info``: where training is and, at an epoch's end, its record."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    record: Optional[EpochRecord] = None


@dataclass(eq=False)
class TrainResult:
    model: nn.Module
    history: list[EpochRecord] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0  # the training loop's wall time
    trained_on: str = ""  # the device type it trained on ("" when not known)
    from_store: bool = False  # loaded from the model store: ``seconds`` is what training took when it was stored

    @property
    def final(self) -> Optional[EpochRecord]:
        return self.history[-1] if self.history else None


ProgressFn = Callable[[int, int, Progress], None]


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    probe: Optional[Probe] = None,
    device: torch.device | str = "cpu",
    on_progress: Optional[ProgressFn] = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> TrainResult:
    """Train ``model`` in place on (x, y) with Adam and cross-entropy; returns its history."""
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    model.to(device).train()
    x_dev, y_dev = x.to(device), y.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    loss_fn = nn.CrossEntropyLoss()
    batches = math.ceil(len(x) / config.batch_size)
    total = batches * config.epochs
    # One-cycle schedule: warm up, then anneal; short runs reach a better optimum with it.
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.learning_rate, total_steps=total, pct_start=0.2
    )
    num_classes = _num_classes(model, x_dev[:1])
    result = TrainResult(model)
    for epoch in range(1, config.epochs + 1):
        order = torch.randperm(len(x), generator=gen).to(device)
        running, seen = 0.0, 0
        for b in range(batches):
            if should_stop():
                result.cancelled = True
                break
            idx = order[b * config.batch_size : (b + 1) * config.batch_size]
            loss = _batch_loss(model, loss_fn, x_dev[idx], y_dev[idx], config, gen)
            if not torch.isfinite(loss):
                raise TrainingDiverged(
                    f"Training diverged in epoch {epoch}: the loss became {loss.item()}. "
                    "Lower the learning rate (for example to 0.001) and train again."
                )
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            running += loss.item() * len(idx)
            seen += len(idx)
            if on_progress:
                info = Progress(epoch, config.epochs, b + 1, batches, running / seen)
                on_progress((epoch - 1) * batches + b + 1, total, info)
        if result.cancelled:
            break
        record = _evaluate(model, probe, epoch, running / max(seen, 1), start, device)
        result.history.append(record)
        _check_not_stuck(result.history, epoch * batches, num_classes, config)
        if on_progress:
            info = Progress(epoch, config.epochs, batches, batches, record.loss, record)
            on_progress(epoch * batches, total, info)
    model.eval()
    result.seconds = time.perf_counter() - start
    result.trained_on = torch.device(device).type
    return result


def _num_classes(model: nn.Module, sample: torch.Tensor) -> int:
    was_training = model.training
    model.eval()
    with torch.no_grad():
        k = int(model(sample).shape[1])
    model.train(was_training)
    return k


def _check_not_stuck(history: list[EpochRecord], steps: int, num_classes: int, config: TrainConfig) -> None:
    """Raise ``TrainingDiverged`` when the loss has sat at the level of random guessing."""
    if steps < STUCK_AFTER_STEPS or len(history) < 2 or num_classes < 2:
        return
    chance = math.log(num_classes)
    before, now = history[-2].loss, history[-1].loss
    if min(before, now) >= STUCK_LOSS_SHARE * chance and before - now < STUCK_IMPROVEMENT * before:
        raise TrainingDiverged(
            f"Training collapsed by epoch {history[-1].epoch}: the loss stayed at {now:.2f}, the level of random "
            f"guessing (ln {num_classes} = {chance:.2f}), so the model has stopped learning and only guesses. "
            f"The learning rate ({config.learning_rate:g}) is too large: lower it (for example to 0.003) and "
            "train again."
        )


def _batch_loss(model, loss_fn, xb, yb, config: TrainConfig, gen: torch.Generator) -> torch.Tensor:
    if config.augment:
        xb = random_shift(xb, SHIFT_PIXELS, gen)
    if config.mixup > 0:
        mixed, y_a, y_b, lam = mixup(xb, yb, config.mixup, gen)
        out = model(mixed)
        return lam * loss_fn(out, y_a) + (1 - lam) * loss_fn(out, y_b)
    return loss_fn(model(xb), yb)


def _evaluate(model, probe, epoch, loss, start, device) -> EpochRecord:
    if probe is None:
        acc = asr = float("nan")
    else:
        acc = clean_accuracy(model, probe.x, probe.y, device)
        asr = (
            attack_success_rate(model, probe.x, probe.y, probe.stamp, probe.target, device)
            if probe.stamp is not None
            else float("nan")
        )
    return EpochRecord(epoch, loss, acc, asr, time.perf_counter() - start)
