"""The defense registry: one line per defense, the name of its file in this package.

Each file exports one ``DEFENSE`` (``backdoor.defenses.base.Defense``): its spec, defaults, run and
cost. Pages build their menus and panels from here, the matrix its columns, the report its rows
and the benchmarks their figures.
"""

from __future__ import annotations

from importlib import import_module

from backdoor.defenses.base import Defense

MODULES = (
    "activation_clustering",
    "spectral_signatures",
    "neural_cleanse",
    "fine_pruning",
    "strip",
    "compression",
)

DEFENSES: dict[str, Defense] = {}


def register(defense: Defense) -> Defense:
    """Add a defense (a plug-in, or a test's toy defense) under its name."""
    DEFENSES[defense.name] = defense
    return defense


for _module in MODULES:
    register(import_module(f"backdoor.defenses.{_module}").DEFENSE)
