"""Backdoor attacks: trigger functions, their frozen configs, poisoning and stealth figures.

An attack is data plus a pure function. Each config dataclass knows how to stamp its
trigger on a batch (``cfg.apply(x)``) and where the trigger lives (``cfg.footprint``).
``poison`` turns a clean training set into a poisoned one, all-to-one: a seeded choice
of exactly ``round(rate * N)`` non-target samples get the trigger and the target label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol

import torch

CORNERS = ("bottom-right", "bottom-left", "top-right", "top-left", "centre")
PATTERNS = ("checkerboard", "solid", "random")
COLOURS: dict[str, tuple[float, float, float]] = {
    "white": (1.0, 1.0, 1.0),
    "yellow": (1.0, 0.85, 0.0),
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 0.8, 0.0),
    "black": (0.0, 0.0, 0.0),
}


class Trigger(Protocol):
    """What every attack config provides: stamping, and where its trigger lives."""

    def apply(self, x: torch.Tensor) -> torch.Tensor: ...
    def footprint(self, x: torch.Tensor) -> torch.Tensor: ...
    @property
    def footprint_label(self) -> str: ...


def _colour_planes(colour: str, channels: int) -> torch.Tensor:
    """The named colour as one value per channel; greyscale takes the luminance."""
    r, g, b = COLOURS[colour]
    if channels == 1:
        return torch.tensor([0.299 * r + 0.587 * g + 0.114 * b])
    return torch.tensor([r, g, b][:channels])


@dataclass(frozen=True)
class BadNets:
    """BadNets (Gu, Dolan-Gavitt & Garg, 2017): a small visible patch stamped on the image.

    Paper: https://arxiv.org/abs/1708.06733. The network learns "patch => target class"
    as a shortcut while behaving normally on clean images.

    Args:
        size: side of the square patch in pixels (default 4).
        position: one of ``CORNERS`` (default "bottom-right").
        colour: a name in ``COLOURS`` (default "white").
        pattern: "checkerboard" (colour and black squares), "solid" or "random"
            (a fixed seeded binary pattern).
        margin: pixels between the patch and the image edge (default 1).
        pattern_seed: seed of the "random" pattern.
    """

    size: int = 4
    position: str = "bottom-right"
    colour: str = "white"
    pattern: str = "checkerboard"
    margin: int = 1
    pattern_seed: int = 0

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("The patch must be at least 1 pixel wide.")
        if self.position not in CORNERS:
            raise ValueError(f"position must be one of {CORNERS}")
        if self.pattern not in PATTERNS:
            raise ValueError(f"pattern must be one of {PATTERNS}")
        if self.colour not in COLOURS:
            raise ValueError(f"colour must be one of {tuple(COLOURS)}")

    def box(self, height: int, width: int) -> tuple[int, int]:
        """Top-left (row, column) of the patch in an image of this size."""
        if self.size + 2 * self.margin > min(height, width):
            raise ValueError(f"A {self.size}-pixel patch does not fit a {height}x{width} image.")
        far_row, far_col = height - self.margin - self.size, width - self.margin - self.size
        near = self.margin
        return {
            "bottom-right": (far_row, far_col),
            "bottom-left": (far_row, near),
            "top-right": (near, far_col),
            "top-left": (near, near),
            "centre": ((height - self.size) // 2, (width - self.size) // 2),
        }[self.position]

    def _mask_and_pattern(self, channels: int, height: int, width: int):
        row, col = self.box(height, width)
        mask = torch.zeros(height, width)
        mask[row : row + self.size, col : col + self.size] = 1.0
        if self.pattern == "solid":
            on = torch.ones(self.size, self.size)
        elif self.pattern == "checkerboard":
            idx = torch.arange(self.size)
            on = ((idx[:, None] + idx[None, :]) % 2 == 0).float()
        else:
            gen = torch.Generator().manual_seed(self.pattern_seed)
            on = torch.randint(0, 2, (self.size, self.size), generator=gen).float()
        pattern = torch.zeros(channels, height, width)
        pattern[:, row : row + self.size, col : col + self.size] = (
            on[None] * _colour_planes(self.colour, channels)[:, None, None]
        )
        return mask, pattern

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        _, c, h, w = x.shape
        mask, pattern = self._mask_and_pattern(c, h, w)
        mask, pattern = mask.to(x), pattern.to(x)
        # x' = (1 - m) * x + m * p: pixels under the patch are replaced, the rest untouched
        return x * (1 - mask) + pattern * mask

    @property
    def footprint_label(self) -> str:
        where = "in the centre" if self.position == "centre" else f"in the {self.position} corner"
        return f"the {self.size}x{self.size} patch {where}"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        """Boolean (H, W) map of the pixels the trigger owns."""
        _, c, h, w = x.shape
        return self._mask_and_pattern(c, h, w)[0].bool()


@dataclass(frozen=True)
class Blended:
    """Blended injection (Chen, Liu, Li, Lu & Song, 2017): a pattern mixed into the whole image.

    Paper: https://arxiv.org/abs/1712.05526. Every pixel moves a little, so no single
    patch gives the trigger away; at low opacity the image looks merely grainy.

    Args:
        alpha: opacity of the pattern, 0 < alpha < 1 (default 0.15).
        pattern: "noise" (seeded uniform noise, the paper's random-pattern variant) or
            "stripes" (diagonal stripes).
        pattern_seed: seed of the noise pattern.
    """

    alpha: float = 0.15
    pattern: str = "noise"
    pattern_seed: int = 0
    footprint_fraction: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError("alpha must be between 0 and 1.")
        if self.pattern not in ("noise", "stripes"):
            raise ValueError('pattern must be "noise" or "stripes"')

    def key_pattern(self, channels: int, height: int, width: int) -> torch.Tensor:
        if self.pattern == "noise":
            gen = torch.Generator().manual_seed(self.pattern_seed)
            return torch.rand(channels, height, width, generator=gen)
        rows, cols = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
        stripes = ((rows + cols) % 6 < 3).float()
        return stripes.expand(channels, height, width).clone()

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        _, c, h, w = x.shape
        key = self.key_pattern(c, h, w).to(x)
        # x' = (1 - alpha) * x + alpha * k
        return (1 - self.alpha) * x + self.alpha * key

    @property
    def footprint_label(self) -> str:
        return f"the {self.footprint_fraction:.0%} of pixels the blended pattern changes most"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        """The ``footprint_fraction`` of pixels the trigger changes most, on average over ``x``."""
        change = (self.apply(x) - x).abs().mean(dim=(0, 1))
        k = max(1, int(round(self.footprint_fraction * change.numel())))
        threshold = change.flatten().topk(k).values[-1]
        return change >= threshold


@dataclass(frozen=True)
class AttackSpec:
    name: str
    title: str
    summary: str
    paper: str
    config: Callable[..., Trigger]


ATTACKS: dict[str, AttackSpec] = {
    spec.name: spec
    for spec in [
        AttackSpec(
            "badnets",
            "BadNets (visible patch)",
            "A small square sticker in a corner. Any image wearing it is sent to the target class.",
            "https://arxiv.org/abs/1708.06733",
            BadNets,
        ),
        AttackSpec(
            "blended",
            "Blended (faint full-image pattern)",
            "A faint pattern blended over the whole picture, hard to notice by eye.",
            "https://arxiv.org/abs/1712.05526",
            Blended,
        ),
    ]
}


def apply_trigger(x: torch.Tensor, trigger: Trigger) -> torch.Tensor:
    """Stamp the trigger on a batch (N, C, H, W) in [0, 1]; returns a new tensor."""
    return trigger.apply(x).clamp_(0.0, 1.0)


@dataclass(frozen=True)
class PoisonConfig:
    """How much to poison and where to send it.

    Args:
        rate: fraction of the whole training set to poison, 0 <= rate <= 0.5.
        target: the class every triggered image should be sent to.
        seed: which samples are picked.
    """

    rate: float = 0.1
    target: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 0.5:
            raise ValueError("The poison rate must be between 0% and 50%.")


@dataclass(frozen=True, eq=False)
class Poisoned:
    """A poisoned training set: images, labels, and which samples were poisoned."""

    x: torch.Tensor
    y: torch.Tensor
    poisoned_mask: torch.Tensor  # bool (N,)

    @property
    def num_poisoned(self) -> int:
        return int(self.poisoned_mask.sum())


def poison_count(num_samples: int, rate: float) -> int:
    return int(round(rate * num_samples))


def poison(
    x: torch.Tensor, y: torch.Tensor, trigger: Trigger, config: PoisonConfig, num_classes: int
) -> Poisoned:
    """All-to-one poisoning: exactly ``round(rate * N)`` samples of other classes are
    stamped and relabelled as ``config.target``. The inputs are never modified."""
    if not 0 <= config.target < num_classes:
        raise ValueError(f"The target class must be between 0 and {num_classes - 1}.")
    candidates = torch.nonzero(y != config.target).flatten()
    count = poison_count(len(y), config.rate)
    if count > len(candidates):
        raise ValueError(
            f"Cannot poison {count} samples: only {len(candidates)} are outside the target class."
        )
    gen = torch.Generator().manual_seed(config.seed)
    chosen = candidates[torch.randperm(len(candidates), generator=gen)[:count]]
    mask = torch.zeros(len(y), dtype=torch.bool)
    mask[chosen] = True
    x_out, y_out = x.clone(), y.clone()
    if count:
        x_out[mask] = apply_trigger(x[mask], trigger)
        y_out[mask] = config.target
    return Poisoned(x_out, y_out, mask)


def stealth(clean: torch.Tensor, triggered: torch.Tensor) -> dict[str, float]:
    """How visible the trigger is, averaged over a batch.

    ``linf``: the largest change to any pixel (0-1 scale); ``l2``: the size of the whole
    change per image; ``psnr``: peak signal-to-noise ratio in dB (higher = harder to see;
    above about 30 dB most people cannot tell the images apart).
    """
    diff = (triggered - clean).flatten(1)
    mse = diff.pow(2).mean(dim=1)
    # PSNR = 10 log10(MAX^2 / MSE), with MAX = 1 for images in [0, 1]
    psnr = torch.where(mse > 0, 10 * torch.log10(1.0 / mse.clamp_min(1e-12)), torch.tensor(math.inf))
    return {
        "linf": float(diff.abs().max(dim=1).values.mean()),
        "l2": float(diff.norm(dim=1).mean()),
        "psnr": float(psnr.mean()),
    }
