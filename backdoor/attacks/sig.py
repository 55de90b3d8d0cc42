"""SIG (Barni, Kallas & Tondi, 2019): a faint sinusoidal signal, clean-label."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from backdoor.attacks.base import AttackSpec, TriggerDefaults, largest_change, setting


@dataclass(frozen=True)
class SIG(TriggerDefaults):
    """SIG (Barni, Kallas & Tondi, 2019): a faint sinusoidal signal, clean-label.

    Paper: https://arxiv.org/abs/1902.11237. Only images that already belong to the
    target class get the signal v(i, j) = delta * sin(2 pi j f / width), and no label is
    changed, so every training label is correct and an inspector who checks labels finds
    nothing. The network learns "stripes => target" because the stripes only ever appear
    on target images. As in the paper, the signal is fainter in training
    (``train_delta``) than when the attacker uses it (``delta``).

    Args:
        train_delta: amplitude on the poisoned training images.
        delta: amplitude at attack time (0-1 scale).
        frequency: f, the number of periods across the image (paper: 6).
    """

    train_delta: float = setting(
        0.2, "Stripe strength in training", low=0.05, high=0.5, step=0.05,
        help="How strong the stripes are on the poisoned training images (0-1 brightness).")
    delta: float = setting(
        0.6, "Stripe strength when attacking", low=0.05, high=1.0, step=0.05,
        help="The attacker may use stronger stripes later, on the images they want misclassified.")
    frequency: int = setting(6, "Stripes across the image (f)", low=1, high=12)
    clean_label = True

    def __post_init__(self) -> None:
        if not (0.0 < self.delta <= 1.0 and 0.0 < self.train_delta <= 1.0):
            raise ValueError("The signal amplitudes must be between 0 and 1.")
        if self.frequency < 1:
            raise ValueError("The frequency must be at least 1.")

    def signal(self, width: int, amplitude: float) -> torch.Tensor:
        cols = torch.arange(width, dtype=torch.float32)
        return amplitude * torch.sin(2 * math.pi * cols * self.frequency / width)

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.signal(x.shape[-1], self.delta).to(x)

    def apply_train(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.signal(x.shape[-1], self.train_delta).to(x)

    @property
    def footprint_label(self) -> str:
        return "the 10% of pixels the stripes change most"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        return largest_change(self, x)


SPEC = AttackSpec(
    "sig", "SIG (clean-label stripes)",
    "Faint stripes on real pictures of the target class. Every label stays correct.",
    "https://arxiv.org/abs/1902.11237", SIG, short_title="SIG (clean-label)", default_rate=0.08, invisible=True,
    note="Clean-label: only images that really are the target class get the stripes, and no label changes.",
)
