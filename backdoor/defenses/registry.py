"""The defense registry: one line per defense, the name of its file in this package.

Each file exports one ``DEFENSE`` (``backdoor.defenses.base.Defense``): its spec, defaults, run and
cost. Pages build their menus and panels from here, the matrix its columns, the report its rows
and the benchmarks their figures.
"""

from __future__ import annotations

from backdoor.defenses.base import Defense
from backdoor.registry import Registry

MODULES = (
    "activation_clustering",
    "spectral_signatures",
    "neural_cleanse",
    "fine_pruning",
    "anp",
    "strip",
    "scale_up",
    "compression",
    "range_check",
    "abl",
)

DEFENSES: Registry[Defense] = Registry().load("backdoor.defenses", MODULES, "DEFENSE")
register = DEFENSES.register
