"""What every defense shares: copying models safely, features, scoring, evaluation.

A defense never mutates the model or data it is given: it works on ``private_copy``
and returns new objects. Nor does it read or change the global random state: every
random choice comes from a generator seeded by the defense's config, so its result
depends only on its inputs (and, through float sums, on the number of CPU threads and the kind of
CPU: oneDNN picks its kernels by the processor's instruction set).
Progress goes through ``on_progress(done, total, info)``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Optional

import torch
from torch import nn

from backdoor.metrics import Evaluation, evaluate
from backdoor.train import TrainConfig, train


__all__ = [
    "DetectionScore", "Evaluation", "ProgressFn", "detection_score", "embeddings", "evaluate", "fine_tune",
    "model_device", "no_progress", "private_copy", "step_progress",
]

ProgressFn = Callable[[int, int, str], None]
FINE_TUNE_BATCH = 64  # images per step when a defense fine-tunes a model
# Scales a median absolute deviation to the standard deviation of a normal distribution.
CONSISTENCY_CONSTANT = 1.4826


def no_progress(done: int, total: int, info: str) -> None:
    """The default ``on_progress``: report nothing."""


def step_progress(on_progress: ProgressFn, step: int, steps: int, label: str) -> ProgressFn:
    """Report a sub-task's progress as step ``step`` of ``steps`` (in hundredths of a step).

    A sub-task with two phases (a search, then a repair) restarts its own count: the
    reported progress never goes back."""
    furthest = [0]

    def report(done: int, total: int, info) -> None:
        fraction = min(done / total, 1.0) if total else 1.0
        furthest[0] = max(furthest[0], int(99 * fraction))
        on_progress(step * 100 + furthest[0], steps * 100, label)

    return report


def private_copy(model: nn.Module) -> nn.Module:
    """A deep copy in eval mode: the caller's (possibly shared, cached) model stays untouched."""
    return copy.deepcopy(model).eval()


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def embeddings(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Last-hidden-layer activations (N, D) on the CPU (every model in ``models`` has ``embed``)."""
    model = private_copy(model)
    device = model_device(model)
    return torch.cat([model.embed(x[i : i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)])


@dataclass(frozen=True)
class DetectionScore:
    """How well flagged training samples match the truly poisoned ones."""

    flagged: int
    true_positives: int
    precision: float
    recall: float
    f1: float


def detection_score(flags: torch.Tensor, poisoned_mask: torch.Tensor) -> DetectionScore:
    flags, truth = flags.bool(), poisoned_mask.bool()
    tp = int((flags & truth).sum())
    precision = tp / int(flags.sum()) if flags.any() else 0.0
    recall = tp / int(truth.sum()) if truth.any() else 0.0
    # F1 = harmonic mean of precision and recall
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return DetectionScore(int(flags.sum()), tp, precision, recall, f1)


def fine_tune(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    learning_rate: float,
    seed: int,
    on_progress: Optional[ProgressFn] = None,
    batch_size: int = FINE_TUNE_BATCH,
    augment: bool = False,
) -> nn.Module:
    """A fine-tuned private copy of ``model`` (the one training loop, plain cross-entropy;
    ``augment`` shifts each image by up to 2 pixels every time it is seen).

    ``train`` seeds the global generator (for dropout); the caller's global random state is
    restored afterwards, so fine-tuning inside a defense changes nothing for the code after it."""
    tuned = private_copy(model)
    device = model_device(model)
    config = TrainConfig(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                         augment=augment)
    report = None
    if on_progress is not None:
        report = lambda done, total, info: on_progress(done, total, f"fine-tuning, epoch {info.epoch}")  # noqa: E731
    cuda = [torch.cuda.current_device() if device.index is None else device.index] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        train(tuned, x, y, config, device=device, on_progress=report)
    return tuned.eval()
