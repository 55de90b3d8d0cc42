"""Poisoning a training set: a seeded choice of exactly ``round(rate * N)`` samples gets the trigger.

All-to-one sends them to one target class, all-to-all (``target=ALL_TO_ALL``) sends class y to
(y + 1) mod K, and a clean-label attack (SIG) stamps only images of the target class and changes
no label.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backdoor.attacks.base import Trigger, placed

ALL_TO_ALL = -1  # the "target" of an all-to-all attack: class y goes to (y + 1) mod K
ALL_TO_ALL_RATE = 0.15  # all-to-all must teach K mappings at once: it needs more poison (RESULTS.md)


def clip(x: torch.Tensor, trigger: Trigger) -> torch.Tensor:
    """Stamped values clipped, in place, to the trigger's ``bounds``: an image's [0, 1] by default; a
    table's trigger (``bounds = None``) sets values outside every range on purpose."""
    bounds = getattr(trigger, "bounds", (0.0, 1.0))
    return x if bounds is None else x.clamp_(*bounds)


def apply_trigger(x: torch.Tensor, trigger: Trigger, objects: torch.Tensor | None = None) -> torch.Tensor:
    """Stamp the trigger on a batch (N, C, H, W) in [0, 1], or on records (N, D); returns a new
    tensor. ``objects``: where each image's object sits, for a trigger placed on it
    (``Dataset.objects_test``)."""
    return clip(trigger.apply(x, **placed(trigger, objects)), trigger)


MAX_RATE = 0.5  # the most of a training set PoisonConfig lets an attack poison


@dataclass(frozen=True)
class PoisonConfig:
    """How much to poison and where to send it.

    Args:
        rate: fraction of the whole training set to poison, 0 <= rate <= 0.5.
        target: the class every triggered image should be sent to, or ``ALL_TO_ALL``
            (class y goes to (y + 1) mod K).
        seed: which samples are picked.
    """

    rate: float = 0.1
    target: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= MAX_RATE:
            raise ValueError("The poison rate must be between 0% and 50%.")
        if self.target < ALL_TO_ALL:
            raise ValueError("The target class cannot be negative.")

    @property
    def all_to_all(self) -> bool:
        return self.target == ALL_TO_ALL


def attack_labels(y: torch.Tensor, target: int, num_classes: int) -> torch.Tensor:
    """Where the attacker wants each image of true class ``y`` to go once triggered."""
    if target == ALL_TO_ALL:
        return (y + 1) % num_classes
    return torch.full_like(y, target)


def attackable(y: torch.Tensor, target: int) -> torch.Tensor:
    """Which images count for the attack success rate: those not already where the attacker wants them."""
    return torch.ones_like(y, dtype=torch.bool) if target == ALL_TO_ALL else y != target


def poisonable(y: torch.Tensor, trigger: Trigger, target: int) -> torch.Tensor:
    """Which training samples the attack may poison: target-class ones for a clean-label
    attack, otherwise those it can move (see ``attackable``)."""
    return (y == target) if trigger.clean_label else attackable(y, target)


@dataclass(frozen=True, eq=False)
class Poisoned:
    """A poisoned training set: images, labels, which samples carry the trigger, and which
    carry a noise-mode cover (WaNet: altered, but keeping their true label)."""

    x: torch.Tensor
    y: torch.Tensor
    poisoned_mask: torch.Tensor  # bool (N,)
    cover_mask: torch.Tensor | None = None  # bool (N,), or None when the attack has no cover

    @property
    def num_poisoned(self) -> int:
        return int(self.poisoned_mask.sum())

    @property
    def num_cover(self) -> int:
        return 0 if self.cover_mask is None else int(self.cover_mask.sum())

    def subset(self, keep: torch.Tensor) -> "Poisoned":
        cover = None if self.cover_mask is None else self.cover_mask[keep]
        return Poisoned(self.x[keep], self.y[keep], self.poisoned_mask[keep], cover)


def poison_count(num_samples: int, rate: float) -> int:
    return int(round(rate * num_samples))


def poison(
    x: torch.Tensor, y: torch.Tensor, trigger: Trigger, config: PoisonConfig, num_classes: int,
    objects: torch.Tensor | None = None,
) -> Poisoned:
    """Exactly ``round(rate * N)`` samples, a seeded choice, get the trigger.

    Dirty-label (BadNets, Blended, WaNet, sticker): samples the attack can move are stamped
    and relabelled (all-to-one: to ``config.target``; all-to-all: y to (y + 1) mod K).
    Clean-label (SIG): only target-class samples are stamped and every label is kept.
    Attacks with a cover (WaNet's noise mode) also alter ``cover_ratio`` times as many
    other samples without relabelling them. ``objects``: where each image's object sits, for a
    trigger placed on it (``Dataset.objects_train``). The inputs are never modified.
    """
    if not (config.all_to_all or 0 <= config.target < num_classes):
        raise ValueError(f"The target class must be between 0 and {num_classes - 1}.")
    if trigger.clean_label and config.all_to_all:
        raise ValueError("A clean-label attack needs one target class: it cannot be all-to-all.")
    goal = attack_labels(y, config.target, num_classes)
    candidates = torch.nonzero(poisonable(y, trigger, config.target)).flatten()
    count = poison_count(len(y), config.rate)
    if count > len(candidates):
        where = "in the target class" if trigger.clean_label else "outside the target class"
        raise ValueError(f"Cannot poison {count} samples: only {len(candidates)} are {where}.")
    gen = torch.Generator().manual_seed(config.seed)
    chosen = candidates[torch.randperm(len(candidates), generator=gen)[:count]]
    mask = torch.zeros(len(y), dtype=torch.bool)
    mask[chosen] = True
    x_out, y_out = x.clone(), y.clone()
    if count:
        at = placed(trigger, None if objects is None else objects[mask])
        x_out[mask] = clip(trigger.apply_train(x[mask], **at), trigger)
        if not trigger.clean_label:
            y_out[mask] = goal[mask]
    cover_mask = None
    covers = min(int(round(trigger.cover_ratio * count)), int((~mask).sum()))
    if covers:
        rest = torch.nonzero(~mask).flatten()
        cover_mask = torch.zeros(len(y), dtype=torch.bool)
        cover_mask[rest[torch.randperm(len(rest), generator=gen)[:covers]]] = True
        x_out[cover_mask] = clip(trigger.cover(x[cover_mask], gen), trigger)
    return Poisoned(x_out, y_out, mask, cover_mask)
