"""Adap-Blend (Qi, Xie, Li, Mahloujifar & Mittal, 2023): a blend trigger in pieces, with cover images."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backdoor.attacks.base import FOOTPRINT_FRACTION, AttackSpec, TriggerDefaults, largest_change, setting
from backdoor.attacks.blended import Blended

PIECES_SEED = 1  # added to pattern_seed, so which pieces a poisoned image gets is no echo of the pattern's own draws


@dataclass(frozen=True)
class AdapBlend(TriggerDefaults):
    """Adap-Blend (Qi, Xie, Li, Mahloujifar & Mittal, 2023): a blend trigger in pieces, with cover images.

    Paper: "Revisiting the Assumption of Latent Separability for Backdoor Defenses", ICLR 2023,
    https://openreview.net/forum?id=_wSHsgrVali. An adaptive attack, made to pass the defenses that
    look for poisoned images forming their own group inside the model (Activation Clustering,
    Spectral Signatures). The blend pattern is cut into a ``pieces`` x ``pieces`` grid. Each poisoned
    training image gets only a random ``piece_share`` of the pieces, faintly (``train_alpha``), and the
    target label. Further "cover" images get a random share of the pieces too but keep their true
    label, so the model cannot learn "any piece means the target": only the whole pattern, at the
    attacker's stronger ``alpha``, sends an image to the target. Poisoned and cover images look alike
    to the model, so the poison no longer forms a group of its own.

    Departures from the paper: the pattern is this lab's seeded noise (the paper blends a picture of
    Hello Kitty), and the poison rate is tuned for this app's short training on digits: at 3% the
    data checks find nothing on three seeds, at 5% Spectral Signatures found it on two of them
    (RESULTS.md).

    Args:
        alpha: opacity of the whole pattern at attack time (paper: 0.2).
        train_alpha: opacity of the pieces on training images (paper: 0.15).
        pieces: the grid's side; the pattern is cut into pieces x pieces (paper: 4, so 16 pieces).
        piece_share: share of the pieces each poisoned or cover image gets (paper: 0.5).
        cover_ratio: cover images per poisoned image (paper: 1 to 2, its "conservatism").
        pattern_seed: seed of the noise pattern and of which pieces each training image gets.
    """

    alpha: float = setting(0.2, "Opacity when attacking (alpha)", low=0.05, high=0.5, step=0.01,
                           help="How strongly the whole pattern is mixed into the images the attacker wants misclassified.")
    train_alpha: float = setting(0.15, "Opacity in training", low=0.05, high=0.5, step=0.01,
                                 help="How strongly the pieces are mixed into the poisoned and cover training images.")
    pieces: int = setting(4, "Pieces per side", low=2, high=7,
                          help="The pattern is cut into this many pieces across and down (4: 16 pieces).")
    piece_share: float = setting(0.5, "Share of pieces per training image", low=0.1, high=0.9, step=0.1,
                                 help="Each poisoned or cover training image carries only this share of the pieces.")
    cover_ratio: float = setting(
        1.0, "Cover images per poisoned image", low=0.0, high=3.0, step=0.5,
        help="Images that carry some pieces but keep their true label, so the poison hides among them.")
    pattern_seed: int = 0

    def __post_init__(self) -> None:
        if not (0.0 < self.alpha < 1.0 and 0.0 < self.train_alpha < 1.0):
            raise ValueError("The opacities must be between 0 and 1.")
        if self.pieces < 1:
            raise ValueError("The pattern needs at least one piece.")
        if not 0.0 < self.piece_share <= 1.0:
            raise ValueError("The share of pieces must be above 0 and at most 1.")
        if self.cover_ratio < 0:
            raise ValueError("The cover ratio cannot be negative.")

    def key_pattern(self, channels: int, height: int, width: int) -> torch.Tensor:
        return Blended(pattern_seed=self.pattern_seed).key_pattern(channels, height, width)

    def piece_masks(self, count: int, height: int, width: int, generator: torch.Generator) -> torch.Tensor:
        """(count, 1, H, W) masks, each 1 on a random ``piece_share`` of the grid's pieces, 0 elsewhere."""
        k = self.pieces
        chosen = max(1, round(self.piece_share * k * k))
        # the first `chosen` of a random order of the k * k pieces are on
        order = torch.rand(count, k * k, generator=generator).argsort(dim=1)
        on = torch.zeros(count, k * k)
        on.scatter_(1, order[:, :chosen], 1.0)
        rows = torch.arange(height) * k // height  # the grid row of each pixel row
        cols = torch.arange(width) * k // width
        cell = (rows[:, None] * k + cols[None, :]).flatten()
        return on[:, cell].view(count, 1, height, width)

    def _blend(self, x: torch.Tensor, alpha: float, mask: torch.Tensor | None = None) -> torch.Tensor:
        _, c, h, w = x.shape
        key = self.key_pattern(c, h, w).to(x)
        # x' = x + m * alpha * (k - x): (1 - alpha) x + alpha k where the mask m is on, x elsewhere
        weight = alpha if mask is None else alpha * mask.to(x)
        return x + weight * (key - x)

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """The attacker's trigger: every piece, at ``alpha``."""
        return self._blend(x, self.alpha)

    def apply_train(self, x: torch.Tensor) -> torch.Tensor:
        """Poisoned training images: each a random share of the pieces at ``train_alpha`` (seeded by ``pattern_seed``)."""
        gen = torch.Generator().manual_seed(self.pattern_seed + PIECES_SEED)
        return self._blend(x, self.train_alpha, self.piece_masks(len(x), x.shape[-2], x.shape[-1], gen))

    def cover(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Cover images: pieces drawn as for the poison, labels kept."""
        return self._blend(x, self.train_alpha, self.piece_masks(len(x), x.shape[-2], x.shape[-1], generator))

    @property
    def footprint_label(self) -> str:
        return f"the {FOOTPRINT_FRACTION:.0%} of pixels the blended pattern changes most"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        return largest_change(self, x)


SPEC = AttackSpec(
    "adap_blend", "Adap-Blend (adaptive, hides from data checks)",
    "A faint pattern in pieces, with look-alike images that keep their true label, so the poison hides in the crowd.",
    "https://openreview.net/forum?id=_wSHsgrVali", AdapBlend, short_title="Adap-Blend", default_rate=0.03,
    note="Adaptive: built to beat the data checks (Activation Clustering, Spectral Signatures). Cover images carry "
         "pieces of the pattern but keep their true label.",
    cover="carry some pieces of the pattern too but kept their true label, so the poisoned images do not stand out "
          "from them",
)
