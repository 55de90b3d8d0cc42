"""Neural Cleanse (Wang et al., IEEE S&P 2019): reverse-engineer a trigger for every class.

Paper: https://people.cs.uchicago.edu/~ravenben/publications/pdf/backdoor-sp19.pdf.
For each class k we search for the smallest patch (a mask ``m`` and a pattern ``p``) that,
stamped on clean images of any class, makes the model answer k. Reaching a clean class
takes a large change (a whole digit stroke), but a backdoor is a shortcut: its target
class needs only a patch the size of the real trigger. So the mask norms of a backdoored
model have one outlier on the small side, which a robust statistic (the anomaly index,
the distance from the median in units of the median absolute deviation) picks out.
Mitigation by unlearning stamps the reversed trigger on some clean images with their true
labels and fine-tunes, teaching the model that the patch means nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from backdoor.defenses.common import ProgressFn, fine_tune, model_device, no_progress, private_copy

# Scales the median absolute deviation to the standard deviation of a normal distribution.
CONSISTENCY_CONSTANT = 1.4826


@dataclass(frozen=True)
class NeuralCleanseConfig:
    """How hard to search for triggers, when to flag a class, and how to unlearn.

    Args:
        steps: optimisation steps, all classes at once (default 300).
        batch_size: clean images per step and class (default 16).
        learning_rate: Adam's step size on the mask and pattern (default 0.1).
        lambda_init: first weight of the mask's L1 norm; then adapted per class as in the
            paper: raised while the trigger works, lowered while it does not (default 0.001).
        clean_samples: how many of the clean images to optimise on (default 500).
        threshold: anomaly index above which a small-norm class is flagged (default 2.0).
        seed: fixes the starting masks and the batches.
        unlearn_epochs: fine-tuning passes when unlearning (default 2).
        unlearn_fraction: share of clean images stamped with the reversed trigger, labels
            kept true (default 0.2, as in the paper).
        unlearn_learning_rate: Adam's peak step size when unlearning (default 0.001).
    """

    steps: int = 300
    batch_size: int = 16
    learning_rate: float = 0.1
    lambda_init: float = 1e-3
    clean_samples: int = 500
    threshold: float = 2.0
    seed: int = 0
    unlearn_epochs: int = 2
    unlearn_fraction: float = 0.2
    unlearn_learning_rate: float = 1e-3
    # The paper's schedule: a trigger "works" above this success rate; lambda is adapted
    # after every `patience` steps by these factors.
    success_target: float = 0.99
    patience: int = 5
    lambda_up: float = 1.5
    lambda_down: float = 1.5**1.5

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1 or self.clean_samples < 1:
            raise ValueError("steps, batch_size and clean_samples must be at least 1.")
        if not self.learning_rate > 0 or not self.unlearn_learning_rate > 0:
            raise ValueError("The learning rates must be positive.")
        if self.lambda_init < 0:
            raise ValueError("lambda_init cannot be negative.")
        if not 0.0 < self.unlearn_fraction <= 1.0:
            raise ValueError("unlearn_fraction must be in (0, 1].")


@dataclass(frozen=True, eq=False)
class NeuralCleanseResult:
    """One reversed trigger per class and the outlier test on their sizes."""

    masks: torch.Tensor  # (K, H, W) in [0, 1], on the CPU
    patterns: torch.Tensor  # (K, C, H, W) in [0, 1], on the CPU
    mask_norms: torch.Tensor  # (K,) L1 norm of each mask
    flip_rates: torch.Tensor  # (K,) share of other classes' clean images sent to k
    anomaly_index: torch.Tensor  # (K,) distance from the median norm, in MADs
    flagged: list[int]  # small-norm classes with anomaly index > threshold
    seconds: float


def anomaly_index(norms: torch.Tensor) -> torch.Tensor:
    """How far each norm lies from the median, in consistent median absolute deviations.

    The median of an even count is the mean of the two middle values (as numpy's).
    A zero deviation gives 0 where a norm equals the median and infinity elsewhere.
    """
    norms = norms.double()
    median = norms.quantile(0.5)
    deviation = (norms - median).abs()
    # MAD = 1.4826 * median(|norm - median(norms)|)
    mad = CONSISTENCY_CONSTANT * deviation.quantile(0.5)
    if mad == 0:
        return torch.where(deviation > 0, torch.inf, 0.0).double()
    # anomaly index_k = |norm_k - median| / MAD
    return deviation / mad


def flag_classes(norms: torch.Tensor, threshold: float) -> list[int]:
    """Classes whose norm is an outlier on the small side (a large norm is no backdoor)."""
    index = anomaly_index(norms)
    small = norms.double() < norms.double().quantile(0.5)
    return [int(k) for k in torch.nonzero((index > threshold) & small).flatten()]


def stamp_reversed(x: torch.Tensor, mask: torch.Tensor, pattern: torch.Tensor) -> torch.Tensor:
    """Stamp a reversed trigger on a batch (N, C, H, W); mask (H, W), pattern (C, H, W)."""
    mask, pattern = mask.to(x), pattern.to(x)
    # x' = (1 - m) * x + m * p
    return (1 - mask) * x + mask * pattern


def _squash(raw: torch.Tensor) -> torch.Tensor:
    # The paper's box constraint: tanh(raw) / 2 + 1/2 stays in [0, 1] for any raw value.
    return torch.tanh(raw) / 2 + 0.5


def _clean_subset(x: torch.Tensor, y: torch.Tensor, count: int, gen: torch.Generator):
    if count >= len(x):
        return x, y
    pick = torch.randperm(len(x), generator=gen)[:count]
    return x[pick], y[pick]


@torch.no_grad()
def _flip_rate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, mask, pattern, k: int, device) -> float:
    """Share of clean images of other classes that the stamped trigger sends to class k."""
    others = x[y != k]
    if len(others) == 0:
        return float("nan")
    hits = 0
    for i in range(0, len(others), 512):
        stamped = stamp_reversed(others[i : i + 512].to(device), mask.to(device), pattern.to(device))
        hits += int((model(stamped).argmax(dim=1) == k).sum())
    return hits / len(others)


def neural_cleanse(
    model: nn.Module,
    x_clean: torch.Tensor,
    y_clean: torch.Tensor,
    num_classes: int,
    config: NeuralCleanseConfig = NeuralCleanseConfig(),
    on_progress: ProgressFn = no_progress,
) -> NeuralCleanseResult:
    """Reverse-engineer a trigger for every class and flag the anomalously small ones.

    All K searches share one forward pass per step: the batch is stamped with each
    class's candidate trigger and the K copies are stacked. Adam works element-wise, so
    this is exactly K independent searches, only faster.

    Args:
        model: the suspect classifier; never modified (a frozen private copy is used).
        x_clean, y_clean: a small clean set the defender trusts (N, C, H, W) in [0, 1].
        num_classes: K, the number of classes to test.
        config: a :class:`NeuralCleanseConfig`.
        on_progress: called as ``on_progress(done, total, info)`` after every step and class.

    Returns:
        A :class:`NeuralCleanseResult`.

    Example::

        result = neural_cleanse(model, ds.x_test[:500], ds.y_test[:500], ds.num_classes)
        result.flagged  # e.g. [0]
    """
    start = time.perf_counter()
    model = private_copy(model).requires_grad_(False)
    device = model_device(model)
    gen = torch.Generator().manual_seed(config.seed)
    x, y = _clean_subset(x_clean, y_clean, config.clean_samples, gen)
    x, y = x.to(device), y.to(device)
    k_count, (channels, height, width) = num_classes, x.shape[1:]
    classes = torch.arange(k_count, device=device)
    total = config.steps + k_count

    # A faint random mask (0.01 to 0.3) and a random pattern, stored behind the inverse of
    # the squashing: raw = atanh(2v - 1). A faint start needs fewer steps to shrink.
    raw_mask = torch.atanh(2 * (0.01 + 0.29 * torch.rand(k_count, 1, height, width, generator=gen)) - 1)
    raw_pattern = torch.atanh(2 * (0.05 + 0.9 * torch.rand(k_count, channels, height, width, generator=gen)) - 1)
    raw_mask = raw_mask.to(device).requires_grad_(True)
    raw_pattern = raw_pattern.to(device).requires_grad_(True)
    optimiser = torch.optim.Adam([raw_mask, raw_pattern], lr=config.learning_rate, betas=(0.5, 0.9))

    weight = torch.full((k_count,), config.lambda_init, device=device)
    best_norm = torch.full((k_count,), torch.inf, device=device)
    best_mask = _squash(raw_mask).detach().clone()
    best_pattern = _squash(raw_pattern).detach().clone()
    window_hits = torch.zeros(k_count, device=device)
    window_seen = torch.zeros(k_count, device=device)

    for step in range(1, config.steps + 1):
        batch = torch.randint(0, len(x), (config.batch_size,), generator=gen).to(device)
        xb, yb = x[batch], y[batch]
        mask, pattern = _squash(raw_mask), _squash(raw_pattern)
        # x'_k = (1 - m_k) * x + m_k * p_k for every class k at once: (K, B, C, H, W)
        stamped = (1 - mask[:, None]) * xb[None] + mask[:, None] * pattern[:, None]
        logits = model(stamped.flatten(0, 1)).view(k_count, len(xb), -1)
        # Images already of class k say nothing about a trigger for k.
        counts = (yb[None] != classes[:, None]).float()
        seen = counts.sum(dim=1).clamp_min(1)
        log_probs = logits.log_softmax(dim=2).gather(2, classes[:, None, None].expand(-1, len(xb), 1))
        cross_entropy = -(log_probs.squeeze(2) * counts).sum(dim=1) / seen
        norms = mask.flatten(1).sum(dim=1)
        # loss = sum_k [ CE(f(x'_k), k) + lambda_k * |m_k|_1 ]
        loss = (cross_entropy + weight * norms).sum()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

        with torch.no_grad():
            hits = ((logits.argmax(dim=2) == classes[:, None]).float() * counts).sum(dim=1)
            success = hits / seen
            import os
            if os.environ.get("BEST") != "window":
                better = (success >= config.success_target) & (norms < best_norm)
                best_norm = torch.where(better, norms, best_norm)
                best_mask[better] = mask[better]
                best_pattern[better] = pattern[better]
            window_hits += hits
            window_seen += counts.sum(dim=1)
            if step % config.patience == 0:
                # Paper's schedule: tighten the size penalty while the trigger works, relax it otherwise.
                works = window_hits / window_seen.clamp_min(1) >= config.success_target
                if os.environ.get("BEST") == "window":
                    better = works & (norms < best_norm)
                    best_norm = torch.where(better, norms, best_norm)
                    best_mask[better] = mask[better]
                    best_pattern[better] = pattern[better]
                weight = torch.where(works, weight * config.lambda_up, weight / config.lambda_down)
                window_hits.zero_()
                window_seen.zero_()
        on_progress(step, total, f"all {k_count} classes, step {step}/{config.steps}")

    masks, patterns = best_mask[:, 0].cpu(), best_pattern.cpu()
    flip_rates = []
    for k in range(k_count):
        flip_rates.append(_flip_rate(model, x, y, masks[k], patterns[k], k, device))
        on_progress(config.steps + k + 1, total, f"class {k}")
    mask_norms = masks.flatten(1).sum(dim=1)
    return NeuralCleanseResult(
        masks=masks,
        patterns=patterns,
        mask_norms=mask_norms,
        flip_rates=torch.tensor(flip_rates),
        anomaly_index=anomaly_index(mask_norms).float(),
        flagged=flag_classes(mask_norms, config.threshold),
        seconds=time.perf_counter() - start,
    )


def unlearn(
    model: nn.Module,
    result: NeuralCleanseResult,
    x_clean: torch.Tensor,
    y_clean: torch.Tensor,
    config: NeuralCleanseConfig = NeuralCleanseConfig(),
    on_progress: ProgressFn = no_progress,
) -> nn.Module:
    """Fine-tune away the backdoor: a new model that ignores the reversed trigger.

    A seeded ``unlearn_fraction`` of the clean images is stamped with the reversed trigger
    of a flagged class (shared round-robin when several are flagged; the smallest-norm
    class when none is) and keeps its true label. The input model is not modified.
    """
    suspects = result.flagged or [int(result.mask_norms.argmin())]
    gen = torch.Generator().manual_seed(config.seed)
    chosen = torch.randperm(len(x_clean), generator=gen)[: int(round(config.unlearn_fraction * len(x_clean)))]
    x_mix = x_clean.clone()
    for i, k in enumerate(suspects):
        rows = chosen[i :: len(suspects)]
        x_mix[rows] = stamp_reversed(x_clean[rows], result.masks[k], result.patterns[k])
    return fine_tune(
        model, x_mix, y_clean.clone(), config.unlearn_epochs, config.unlearn_learning_rate, config.seed, on_progress
    )
