"""Blended injection (Chen, Liu, Li, Lu & Song, 2017): a pattern mixed into the whole image."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backdoor.attacks.base import FOOTPRINT_FRACTION, AttackSpec, TriggerDefaults, largest_change, setting


@dataclass(frozen=True)
class Blended(TriggerDefaults):
    """Blended injection (Chen, Liu, Li, Lu & Song, 2017): a pattern mixed into the whole image.

    Paper: https://arxiv.org/abs/1712.05526. Every pixel moves a little, so no single
    patch gives the trigger away; at low opacity the image looks merely grainy.

    Args:
        alpha: opacity of the pattern, 0 < alpha < 1 (default 0.15).
        pattern: "noise" (seeded uniform noise, the paper's random-pattern variant) or
            "stripes" (diagonal stripes).
        pattern_seed: seed of the noise pattern.
    """

    alpha: float = setting(0.15, "Opacity (alpha)", low=0.02, high=0.5, step=0.01,
                           help="How strongly the pattern is mixed in: 0.1 means 10% pattern, 90% original image.")
    pattern: str = setting("noise", "Pattern", choices=("noise", "stripes"),
                           help="noise: fixed random speckles; stripes: faint diagonal stripes.")
    pattern_seed: int = 0
    footprint_fraction: float = FOOTPRINT_FRACTION

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
        return largest_change(self, x, self.footprint_fraction)


SPEC = AttackSpec(
    "blended", "Blended (faint full-image pattern)",
    "A faint pattern blended over the whole picture: no patch to point at, though on a plain dark background "
    "its speckle shows.",
    "https://arxiv.org/abs/1712.05526", Blended, short_title="Blended", invisible=True,
)
