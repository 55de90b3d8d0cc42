"""A physical sticker on a traffic sign (BadNets' stop-sign example, Gu et al. 2017)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backdoor.attacks.base import COLOURS, AttackSpec, TriggerDefaults, colour_planes, setting


@dataclass(frozen=True)
class Sticker(TriggerDefaults):
    """A physical sticker (BadNets' stop-sign example, Gu et al. 2017): a patch on the sign itself.

    Paper: https://arxiv.org/abs/1708.06733 (section 5). Unlike a patch at a fixed pixel, the
    sticker sits at the same place *on the sign* wherever the sign is in the picture and
    however large it is, as a real sticker would. Where each sign is comes with the images
    (``objects``: the ``Dataset``'s ``objects_train``/``objects_test``, which the traffic-sign
    generator records); an image nobody located (GTSRB's photos, an upload) gets the sticker
    where a centred sign filling most of the frame would carry it.

    Args:
        size: the sticker's side as a fraction of the sign's radius.
        below: how far below the sign's centre the sticker sits, as a fraction of the radius.
        colour: a name in ``COLOURS`` (the paper used a yellow square).
    """

    size: float = setting(0.5, "Sticker size (fraction of the sign)", low=0.2, high=1.0, step=0.05,
                          help="The side of the sticker relative to the sign's radius: it grows and shrinks "
                               "with the sign.")
    below: float = setting(0.45, "Height on the sign", low=-0.8, high=0.8, step=0.05,
                           help="0 puts it on the sign's centre; positive values lower, negative higher.")
    colour: str = setting("yellow", "Colour", choices=tuple(COLOURS))

    def __post_init__(self) -> None:
        if not 0.1 <= self.size <= 1.0:
            raise ValueError("The sticker's size must be between 10% and 100% of the sign's radius.")
        if not -1.0 <= self.below <= 1.0:
            raise ValueError("The sticker must sit on the sign (between -1 and 1 radius from its centre).")
        if self.colour not in COLOURS:
            raise ValueError(f"colour must be one of {tuple(COLOURS)}")

    uses_objects = True

    def masks(self, x: torch.Tensor, objects: torch.Tensor | None = None) -> torch.Tensor:
        """Boolean (N, H, W): where the sticker goes on each image, given where each sign is
        (``objects``: (N, 3) centre x, centre y, radius in pixels; None: a centred sign)."""
        n, _, h, w = x.shape
        signs = centred_signs(n, h, w) if objects is None else objects.to(torch.float32).cpu()
        side = (self.size * signs[:, 2]).round().clamp(min=2)
        top = (signs[:, 1] + self.below * signs[:, 2] - side / 2).round()
        left = (signs[:, 0] - side / 2).round()
        rows, cols = torch.arange(h)[None, :, None], torch.arange(w)[None, None, :]
        inside_rows = (rows >= top[:, None, None]) & (rows < (top + side)[:, None, None])
        inside_cols = (cols >= left[:, None, None]) & (cols < (left + side)[:, None, None])
        return inside_rows & inside_cols

    def apply(self, x: torch.Tensor, objects: torch.Tensor | None = None) -> torch.Tensor:
        mask = self.masks(x, objects)[:, None].to(x)
        colour = colour_planes(self.colour, x.shape[1]).to(x)[None, :, None, None]
        return x * (1 - mask) + colour * mask

    @property
    def footprint_label(self) -> str:
        return "the sticker on the sign"

    def apply_train(self, x: torch.Tensor, objects: torch.Tensor | None = None) -> torch.Tensor:
        return self.apply(x, objects)

    def footprint(self, x: torch.Tensor, objects: torch.Tensor | None = None) -> torch.Tensor:
        """Every pixel the sticker covers in any image of ``x`` (exact for one image)."""
        return self.masks(x, objects).any(dim=0)


def centred_signs(n: int, h: int, w: int) -> torch.Tensor:
    """Where a sign would be in ``n`` images nobody located: centred, filling most of the frame
    (as GTSRB's cropped photos are)."""
    return torch.tensor([[w / 2, h / 2, 0.4 * min(h, w)]], dtype=torch.float32).expand(n, 3)


SPEC = AttackSpec(
    "sticker", "Physical sticker (on the sign)",
    "A yellow sticker on the sign itself, wherever the sign is in the picture.",
    "https://arxiv.org/abs/1708.06733", Sticker, short_title="Physical sticker",
    datasets=("traffic-signs", "gtsrb"),
)
