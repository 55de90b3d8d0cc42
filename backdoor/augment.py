"""Training-time data augmentation: random shifts, and mixup.

The article notes that such techniques can make a model more robust and can also hide
a vulnerability; the Train page lets students measure which happens to the backdoor.
Both are pure functions of a batch and a seeded generator, so training stays repeatable.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Each image moved by up to ``max_shift`` pixels in each direction (zero padding).

    The standard "pad and random crop" augmentation. Flips are left out on purpose: a
    mirrored digit or a mirrored "turn right" sign is a different (or no) class.
    """
    if max_shift <= 0:
        return x
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4)
    offsets = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=generator).tolist()
    return torch.stack([padded[i, :, dy : dy + h, dx : dx + w] for i, (dy, dx) in enumerate(offsets)])


def mixup(
    x: torch.Tensor, y: torch.Tensor, alpha: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """mixup (Zhang, Cisse, Dauphin & Lopez-Paz, 2018): train on blends of two images.

    Paper: https://arxiv.org/abs/1710.09412. lambda ~ Beta(alpha, alpha); each image is
    blended with another of the same batch, x' = lambda x_i + (1 - lambda) x_j, and the
    loss is lambda CE(y_i) + (1 - lambda) CE(y_j). Returns (x', y_i, y_j, lambda).
    """
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    lam = float(np.random.default_rng(seed).beta(alpha, alpha))  # seeded by the training generator
    partner = torch.randperm(len(x), generator=generator).to(x.device)
    return lam * x + (1 - lam) * x[partner], y, y[partner], lam
