"""The attack registry: one line per attack, the name of its file in this package.

Each file defines its config (settings with their widgets) and ``SPEC``; the Poison page's form,
the presets, the matrix rows and the report all read them from here.
"""

from __future__ import annotations

from importlib import import_module

from backdoor.attacks.base import AttackSpec

MODULES = (
    "badnets",
    "blended",
    "wanet",
    "sig",
    "sticker",
)

ATTACKS: dict[str, AttackSpec] = {}


def register(spec: AttackSpec) -> AttackSpec:
    """Add an attack (a plug-in, or a test's toy attack) under its name."""
    ATTACKS[spec.name] = spec
    return spec


for _module in MODULES:
    register(import_module(f"backdoor.attacks.{_module}").SPEC)
