"""A trigger the student draws: BadNets (Gu, Dolan-Gavitt & Garg, 2017) with a hand-made patch."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch

from backdoor.attacks.base import AttackSpec, TriggerDefaults, kept_in_link, setting

# The default drawing, until the student draws one: a 5x5 white cross near the bottom-right corner.
CROSS = bytes(1 if r == c or r + c == 4 else 0 for r in range(5) for c in range(5))


def _last_row(image_shape: tuple[int, int, int]) -> int:
    return image_shape[1] - 1


def _last_column(image_shape: tuple[int, int, int]) -> int:
    return image_shape[2] - 1


@dataclass(frozen=True)
class Drawn(TriggerDefaults):
    """A trigger the student draws: BadNets (Gu, Dolan-Gavitt & Garg, 2017) with a hand-made patch.

    Paper: https://arxiv.org/abs/1708.06733. The attack is BadNets' (stamp a patch, relabel),
    but the patch is whatever the student drew on the canvas: a ``height`` x ``width`` shape
    whose ``mask`` says which pixels were drawn and whose ``pattern`` says how bright each is,
    placed with its top-left pixel at (``top``, ``left``). Mask and pattern are ``bytes``, so the
    config stays frozen and hashable, and every cache and store key tells two drawings apart.
    The part of a drawing that falls outside a smaller image is cut off.

    Args:
        height, width: the drawing's size in pixels (default: the 5x5 cross).
        mask: ``height * width`` bytes, row by row: 1 where drawn, 0 elsewhere.
        pattern: ``height * width`` bytes, row by row: the drawn brightness, 0 (black) to 255 (white);
            the same on every channel of a colour image.
        top, left: where the drawing's top-left pixel sits on the image (row, column).

    Example: ``Drawn(2, 2, bytes([1, 0, 0, 1]), bytes([255, 0, 0, 255]), top=0, left=0)`` stamps two
    white pixels on the diagonal of the top-left corner.
    """

    height: int = kept_in_link(5)
    width: int = kept_in_link(5)
    mask: bytes = kept_in_link(CROSS)
    pattern: bytes = kept_in_link(bytes(255 * m for m in CROSS))
    top: int = setting(21, "Row (from the top)", low=0, fit=_last_row,
                       help="Where your drawing's top edge sits on every poisoned image.")
    left: int = setting(21, "Column (from the left)", low=0, fit=_last_column,
                        help="Where your drawing's left edge sits on every poisoned image.")

    def __post_init__(self) -> None:
        if self.height < 1 or self.width < 1:
            raise ValueError("A drawing is at least 1 pixel tall and wide.")
        if len(self.mask) != self.height * self.width or len(self.pattern) != self.height * self.width:
            raise ValueError(f"A {self.height}x{self.width} drawing needs {self.height * self.width} mask and "
                             "pattern values.")
        if not any(self.mask):
            raise ValueError("The drawing is empty: draw at least one pixel.")
        if set(self.mask) - {0, 1}:
            raise ValueError("The mask holds only 0 (not drawn) and 1 (drawn).")
        if self.top < 0 or self.left < 0:
            raise ValueError("The drawing's row and column cannot be negative.")

    def __repr__(self) -> str:
        # short enough for the report, complete enough for every cache and store key (repr is the key)
        digest = hashlib.sha256(repr((self.height, self.width, self.mask, self.pattern)).encode()).hexdigest()[:20]
        return f"Drawn({self.height}x{self.width} drawing at row {self.top}, column {self.left}, sha256 {digest})"

    def _mask_and_pattern(self, height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Full-image (H, W) mask and brightness, with the drawing placed and cut at the edges."""
        shape = torch.tensor(list(self.mask), dtype=torch.float32).reshape(self.height, self.width)
        ink = torch.tensor(list(self.pattern), dtype=torch.float32).reshape(self.height, self.width) / 255.0
        mask, pattern = torch.zeros(height, width), torch.zeros(height, width)
        rows, cols = max(0, min(self.height, height - self.top)), max(0, min(self.width, width - self.left))
        mask[self.top : self.top + rows, self.left : self.left + cols] = shape[:rows, :cols]
        pattern[self.top : self.top + rows, self.left : self.left + cols] = ink[:rows, :cols]
        return mask, pattern

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        mask, pattern = (t.to(x) for t in self._mask_and_pattern(*x.shape[2:]))
        # x' = (1 - m) * x + m * p: the drawn pixels are replaced, every other pixel untouched
        return x * (1 - mask) + pattern * mask

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        """Boolean (H, W) map of the drawn pixels."""
        return self._mask_and_pattern(*x.shape[2:])[0].bool()

    @property
    def footprint_label(self) -> str:
        return f"your {self.height}x{self.width} drawing at row {self.top}, column {self.left}"


SPEC = AttackSpec(
    "drawn", "Your own drawing (draw the trigger)",
    "A trigger you draw yourself, stamped where you place it. Any image wearing it is sent to the target class.",
    "https://arxiv.org/abs/1708.06733", Drawn, short_title="Your drawing", matrix_row=False,
    note="Draw on the picture, or tap it to move your drawing there. Until you draw, the trigger is a small cross.",
)
