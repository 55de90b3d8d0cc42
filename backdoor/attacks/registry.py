"""The attack registry: one line per attack, the name of its file in this package.

Each file defines its config (settings with their widgets) and ``SPEC``; the Poison page's form,
the presets, the matrix rows and the report all read them from here.
"""

from __future__ import annotations

from backdoor.attacks.base import AttackSpec
from backdoor.registry import Registry

MODULES = (
    "badnets",
    "blended",
    "wanet",
    "sig",
    "sticker",
    "drawn",
    "feature_trigger",
)

ATTACKS: Registry[AttackSpec] = Registry().load("backdoor.attacks", MODULES, "SPEC")
register = ATTACKS.register
