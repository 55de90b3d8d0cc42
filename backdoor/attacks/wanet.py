"""WaNet (Nguyen & Tran, 2021): a smooth, imperceptible warp of the whole image."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backdoor.attacks.base import AttackSpec, TriggerDefaults, largest_change, setting


@dataclass(frozen=True)
class WaNet(TriggerDefaults):
    """WaNet (Nguyen & Tran, 2021): a smooth, imperceptible warp of the whole image.

    Paper: https://arxiv.org/abs/2102.10369. A k x k grid of random offsets, normalised
    and upsampled (bicubic) into a smooth flow field, bends the image by at most about
    ``strength`` pixels. Nothing is added and no pixel is out of place: the picture is
    only slightly bent. In "noise mode" (the paper's cross samples) some further training
    images get the warp plus random jitter but keep their true label, so the network must
    learn the exact warp rather than "anything looks bent".

    Args:
        strength: s, the warp strength (paper: 0.5; larger is easier to learn and to see).
            The paper trains for hundreds of epochs; with this app's 5 epochs on 4,000
            digits, s = 0.5 reached 15% ASR and s = 1 reaches over 90% (RESULTS.md).
        grid: k, the side of the control grid (paper: 4).
        cover_ratio: noise-mode images per poisoned image (paper: 2; 0 turns it off).
            Default 0.5: with more, five epochs were not enough to learn the exact warp
            on every seed (RESULTS.md).
        grid_seed: seed of the warp field (the attacker's secret).
    """

    strength: float = setting(
        1.0, "Warp strength (s)", low=0.25, high=3.0, step=0.25,
        help="About how many pixels the picture is bent. The paper used 0.5 with hundreds of epochs; "
             "with 5 epochs here, 1.0 is what the model can learn.")
    grid: int = setting(4, "Warp grid (k)", low=2, high=8,
                        help="How many control points the warp has per side: small k gives a smooth, gentle bend.")
    cover_ratio: float = setting(
        0.5, "Noise-mode images per poisoned image", low=0.0, high=3.0, step=0.5,
        help="Extra images bent slightly differently but kept at their true label, so the model "
             "learns the exact warp and not just 'looks bent'. The paper used 2.")
    grid_seed: int = 0

    def __post_init__(self) -> None:
        if self.grid < 2:
            raise ValueError("The warp grid must be at least 2x2.")
        if not 0.0 < self.strength <= 5.0:
            raise ValueError("The warp strength must be between 0 and 5.")
        if self.cover_ratio < 0:
            raise ValueError("The noise-mode ratio cannot be negative.")

    def warp_grid(self, height: int, width: int) -> torch.Tensor:
        """The sampling grid (1, H, W, 2) in grid_sample's [-1, 1] coordinates."""
        gen = torch.Generator().manual_seed(self.grid_seed)
        offsets = torch.rand(1, 2, self.grid, self.grid, generator=gen) * 2 - 1
        offsets = offsets / offsets.abs().mean()  # normalised so ``strength`` means the same for any k
        flow = torch.nn.functional.interpolate(offsets, size=(height, width), mode="bicubic", align_corners=True)
        rows, cols = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij")
        identity = torch.stack((cols, rows), dim=2)[None]
        # grid = identity + s * flow / H: a displacement of about s pixels (a pixel is 2/H wide)
        return (identity + self.strength * flow.permute(0, 2, 3, 1) / height).clamp(-1, 1)

    def _warp(self, x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.grid_sample(x, grid.to(x), align_corners=True)

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        _, _, h, w = x.shape
        return self._warp(x, self.warp_grid(h, w).expand(len(x), -1, -1, -1))

    def cover(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The warp plus random per-pixel jitter of up to one pixel: a near miss, labelled truthfully."""
        n, _, h, w = x.shape
        jitter = (torch.rand(n, h, w, 2, generator=generator) * 2 - 1) / h
        return self._warp(x, (self.warp_grid(h, w) + jitter).clamp(-1, 1))

    @property
    def footprint_label(self) -> str:
        return "the 10% of pixels the warp moves most"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        return largest_change(self, x)


SPEC = AttackSpec(
    "wanet", "WaNet (slight warp)",
    "The whole picture is bent slightly: nothing is added, pixels only move. The paper's gentle warp cannot be seen "
    "on large photos; on the lab's small pictures, the strength that takes hold in a few epochs leaves the strokes "
    "a little wobbly up close.",
    "https://arxiv.org/abs/2102.10369", WaNet, short_title="WaNet", default_rate=0.2, invisible=True,
    cover="got a slightly different warp and kept their true label (noise mode), so the model learns the exact warp",
)
