"""BadNets (Gu, Dolan-Gavitt & Garg, 2017): a small visible patch stamped on the image."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backdoor.attacks.base import COLOURS, CORNERS, PATTERNS, AttackSpec, TriggerDefaults, colour_planes, setting


def _largest_patch(image_shape: tuple[int, int, int]) -> int:
    return max(1, min(image_shape[1:]) // 2)


@dataclass(frozen=True)
class BadNets(TriggerDefaults):
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

    size: int = setting(4, "Patch size (pixels)", low=1, fit=_largest_patch,
                        help="The side of the square sticker. Smaller is harder to notice.")
    position: str = setting("bottom-right", "Position", choices=CORNERS,
                            help="Where the sticker goes on every poisoned image.")
    colour: str = setting("white", "Colour", choices=tuple(COLOURS))
    pattern: str = setting("checkerboard", "Pattern", choices=PATTERNS,
                           help="checkerboard: colour and black squares; solid: one colour; "
                                "random: a fixed random pattern.")
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
            on[None] * colour_planes(self.colour, channels)[:, None, None]
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


SPEC = AttackSpec(
    "badnets", "BadNets (visible patch)",
    "A small square sticker in a corner. Any image wearing it is sent to the target class.",
    "https://arxiv.org/abs/1708.06733", BadNets, short_title="BadNets", all_to_all_row=True,
)
