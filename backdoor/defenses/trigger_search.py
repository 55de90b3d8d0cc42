"""Neural Cleanse's search (Wang et al., IEEE S&P 2019): the smallest trigger that reaches each class.

Paper: https://people.cs.uchicago.edu/~ravenben/publications/pdf/backdoor-sp19.pdf. The search
and the outlier test on the triggers' sizes, as in the paper; ``backdoor.defenses.neural_cleanse``
adds the repair (unlearning) and the defense itself. The mystery models' scan uses the search alone.

Every result depends only on the inputs and the config: the random starts, batches and picks
come from generators seeded by ``config.seed``, and the global random state is neither read
nor changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from backdoor import timing
from backdoor.defenses.common import CONSISTENCY_CONSTANT, ProgressFn, model_device, no_progress, private_copy



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
        unlearn_epochs: fine-tuning passes per unlearning round (default 3; the paper
            fine-tunes once, for one epoch, on far more clean data).
        unlearn_fraction: share of clean images stamped with the reversed trigger, labels
            kept true (default 0.2, as in the paper).
        unlearn_learning_rate: Adam's peak step size when unlearning (default 0.0015).
        unlearn_rounds: at most this many rounds of fine-tune, then re-reverse (default 4).
        unlearn_augment: shift every image by up to 2 pixels whenever the unlearning
            sees it (default True; the paper does not, see the module docstring).
    """

    steps: int = 300
    batch_size: int = 16
    learning_rate: float = 0.1
    lambda_init: float = 1e-3
    clean_samples: int = 500
    threshold: float = 2.0
    seed: int = 0
    unlearn_epochs: int = 3
    unlearn_fraction: float = 0.2
    unlearn_learning_rate: float = 1.5e-3
    unlearn_rounds: int = 4
    unlearn_augment: bool = True
    # The paper's schedule: a trigger "works" above this success rate; lambda is adapted
    # after every `patience` steps by these factors.
    success_target: float = 0.99
    patience: int = 10
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
        if self.unlearn_epochs < 1 or self.unlearn_rounds < 1 or self.patience < 1:
            raise ValueError("unlearn_epochs, unlearn_rounds and patience must be at least 1.")


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
    # MAD = CONSISTENCY_CONSTANT * median(|norm - median(norms)|)
    mad = CONSISTENCY_CONSTANT * deviation.quantile(0.5)
    if mad == 0:
        return torch.where(deviation > 0, torch.inf, 0.0).double()
    # anomaly index_k = |norm_k - median| / MAD
    return deviation / mad


def signed_anomaly_index(norms: torch.Tensor) -> torch.Tensor:
    """The anomaly index with the side as its sign: negative for a trigger smaller than the
    median (the side a backdoor is on, flagged at ``-threshold`` or below), positive for a
    larger one (never flagged). How the pages show the rule the library applies."""
    norms = norms.double()
    return torch.sign(norms - norms.quantile(0.5)) * anomaly_index(norms)


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


def _frozen(model: nn.Module) -> nn.Module:
    # A private copy that never trains (the image models compute channels-last: models/layout.py).
    return private_copy(model).requires_grad_(False)


def _clean_subset(x: torch.Tensor, y: torch.Tensor, count: int, gen: torch.Generator):
    if count >= len(x):
        return x, y
    pick = torch.randperm(len(x), generator=gen)[:count]
    return x[pick], y[pick]


@torch.no_grad()
def _flip_rate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, pattern: torch.Tensor, k: int,
    device: torch.device,
) -> float:
    """Share of clean images of other classes that the stamped trigger sends to class k."""
    others = x[y != k]
    if len(others) == 0:
        return float("nan")
    hits = 0
    for i in range(0, len(others), 512):
        stamped = stamp_reversed(others[i : i + 512].to(device), mask.to(device), pattern.to(device))
        hits += int((model(stamped).argmax(dim=1) == k).sum())
    return hits / len(others)


def _reverse_triggers(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, targets: torch.Tensor, config: NeuralCleanseConfig,
    gen: torch.Generator, on_step: Callable[[int], None],
) -> tuple[torch.Tensor, torch.Tensor]:
    """The smallest working (mask, pattern) for each entry of ``targets``, all searched at once.

    Each step stamps one batch with every candidate trigger and stacks the copies into a
    single forward pass; Adam works element-wise, so this equals independent searches.
    ``model`` must be a frozen copy and x, y already on its device.
    """
    device, count = x.device, len(targets)
    channels, height, width = x.shape[1:]
    # A faint random mask (0.01 to 0.3) and a random pattern, stored behind the inverse of
    # the squashing, raw = atanh(2v - 1); a faint start needs fewer steps to shrink.
    raw_mask = torch.atanh(2 * (0.01 + 0.29 * torch.rand(count, 1, height, width, generator=gen)) - 1)
    raw_pattern = torch.atanh(2 * (0.05 + 0.9 * torch.rand(count, channels, height, width, generator=gen)) - 1)
    raw_mask = raw_mask.to(device).requires_grad_(True)
    raw_pattern = raw_pattern.to(device).requires_grad_(True)
    # A short gradient memory (beta1 = 0.5): the moving lambda keeps changing the objective.
    optimiser = torch.optim.Adam([raw_mask, raw_pattern], lr=config.learning_rate, betas=(0.5, 0.9))

    weight = torch.full((count,), config.lambda_init, device=device)
    best_norm = torch.full((count,), torch.inf, device=device)
    best_mask = _squash(raw_mask).detach().clone()
    best_pattern = _squash(raw_pattern).detach().clone()
    window_hits = torch.zeros(count, device=device)
    window_seen = torch.zeros(count, device=device)

    for step in range(1, config.steps + 1):
        batch = torch.randint(0, len(x), (config.batch_size,), generator=gen).to(device)
        xb, yb = x[batch], y[batch]
        mask, pattern = _squash(raw_mask), _squash(raw_pattern)
        # x'_t = (1 - m_t) * x + m_t * p_t for every candidate t at once: (T, B, C, H, W)
        stamped = (1 - mask[:, None]) * xb[None] + mask[:, None] * pattern[:, None]
        logits = model(stamped.flatten(0, 1)).view(count, len(xb), -1)
        # Images already of the target class say nothing about a trigger for it.
        counts = (yb[None] != targets[:, None]).float()
        seen = counts.sum(dim=1).clamp_min(1)
        log_probs = logits.log_softmax(dim=2).gather(2, targets[:, None, None].expand(-1, len(xb), 1))
        cross_entropy = -(log_probs.squeeze(2) * counts).sum(dim=1) / seen
        norms = mask.flatten(1).sum(dim=1)
        # loss = sum_t [ CE(f(x'_t), target_t) + lambda_t * |m_t|_1 ]
        loss = (cross_entropy + weight * norms).sum()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

        with torch.no_grad():
            window_hits += ((logits.argmax(dim=2) == targets[:, None]).float() * counts).sum(dim=1)
            window_seen += counts.sum(dim=1)
            if step % config.patience == 0:
                works = window_hits / window_seen.clamp_min(1) >= config.success_target
                better = works & (norms < best_norm)
                best_norm = torch.where(better, norms, best_norm)
                best_mask[better] = mask[better]
                best_pattern[better] = pattern[better]
                # The paper's schedule: tighten the size penalty while the trigger works, relax it otherwise.
                weight = torch.where(works, weight * config.lambda_up, weight / config.lambda_down)
                window_hits.zero_()
                window_seen.zero_()
        on_step(step)
    return best_mask[:, 0].cpu(), best_pattern.cpu()


def neural_cleanse(
    model: nn.Module,
    x_clean: torch.Tensor,
    y_clean: torch.Tensor,
    num_classes: int,
    config: NeuralCleanseConfig = NeuralCleanseConfig(),
    on_progress: ProgressFn = no_progress,
) -> NeuralCleanseResult:
    """Reverse-engineer a trigger for every class and flag the anomalously small ones.

    Args:
        model: the suspect classifier; never modified (a frozen private copy is used).
        x_clean, y_clean: a small clean set the defender trusts (N, C, H, W) in [0, 1],
            ideally with every class represented.
        num_classes: K, the number of classes to test.
        config: a :class:`NeuralCleanseConfig`.
        on_progress: called as ``on_progress(done, total, info)`` after every step and class.

    Returns:
        A :class:`NeuralCleanseResult`.

    Example::

        result = neural_cleanse(model, ds.x_test[::2], ds.y_test[::2], ds.num_classes)
        result.flagged  # e.g. [0]
    """
    start = time.perf_counter()
    model = _frozen(model)
    device = model_device(model)
    gen = torch.Generator().manual_seed(config.seed)
    x, y = _clean_subset(x_clean, y_clean, config.clean_samples, gen)
    x, y = x.to(device), y.to(device)
    total = config.steps + num_classes

    def report(step: int) -> None:
        on_progress(step, total, f"all {num_classes} classes, step {step}/{config.steps}")

    masks, patterns = _reverse_triggers(model, x, y, torch.arange(num_classes, device=device), config, gen, report)

    flip_rates = []
    for k in range(num_classes):
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


def reverse_step_seconds(rig: timing.Rig, candidates: int, batch_size: int) -> float:
    """One step of the search with ``candidates`` triggers at once, measured on this machine."""

    def measure() -> float:
        x, y = rig.images(128)
        config = NeuralCleanseConfig(steps=timing.WARM_STEPS + timing.TIMED_STEPS + 1, batch_size=batch_size,
                                     clean_samples=128)
        steps = config.steps

        def run(tick):
            neural_cleanse(rig.build(), x, y, candidates, config,
                           lambda done, *_: tick() if done <= steps else None)

        return timing.step_times(run)

    return timing.MEASURED.get(("reverse_step", rig, candidates, batch_size), measure)
