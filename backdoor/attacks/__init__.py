"""Backdoor attacks: one file per attack, a registry, poisoning and stealth figures.

Add an attack with one file in this package (its frozen config, whose settings carry their
widgets, and its ``SPEC``) and one line in ``registry.MODULES``; see CONTRIBUTING.md.
"""

from backdoor.attacks.badnets import BadNets
from backdoor.attacks.base import (COLOURS, CORNERS, PATTERNS, AttackSpec, Trigger, TriggerDefaults, placed, setting,
                                  widgets)
from backdoor.attacks.blended import Blended
from backdoor.attacks.drawn import Drawn
from backdoor.attacks.feature_trigger import Beyond, FeatureTrigger, beyond_range
from backdoor.attacks.poisoning import (ALL_TO_ALL, ALL_TO_ALL_RATE, MAX_RATE, PoisonConfig, Poisoned, apply_trigger,
                                        attack_labels, attackable, clip, poison, poison_count, poisonable)
from backdoor.attacks.registry import ATTACKS, register
from backdoor.attacks.sig import SIG
from backdoor.attacks.stealth import ssim, stealth, unchanged
from backdoor.attacks.sticker import Sticker
from backdoor.attacks.wanet import WaNet

__all__ = [
    "ALL_TO_ALL", "ALL_TO_ALL_RATE", "ATTACKS", "clip", "COLOURS", "CORNERS", "MAX_RATE", "PATTERNS", "SIG", "AttackSpec",
    "BadNets", "Beyond", "Blended", "Drawn", "FeatureTrigger", "PoisonConfig", "Poisoned", "Sticker", "Trigger", "TriggerDefaults", "WaNet",
    "apply_trigger", "attack_labels", "attackable", "beyond_range", "placed", "poison", "poison_count", "poisonable", "register", "setting",
    "ssim", "stealth", "unchanged", "widgets",
]
