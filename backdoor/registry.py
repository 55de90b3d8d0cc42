"""A registry of plug-ins: each file of a package exports its spec(s); one line per file loads it.

Attacks, defenses and data sets each keep one ``Registry`` (a dict from name to spec), filled from
the file names in their ``registry.MODULES``; ``register`` adds one more (a plug-in of one's own,
or a test's toy). Every spec declares the ``modalities`` it works on (pictures, tables), and a
page offers only ``fitting(modality)``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Generic, Iterable, TypeVar

T = TypeVar("T")


class Registry(dict, Generic[T]):
    """Name -> spec, in the order the files are listed."""

    def register(self, item: T) -> T:
        """Add ``item`` under its ``name``."""
        self[item.name] = item
        return item

    def load(self, package: str, modules: Iterable[str], attribute: str) -> "Registry[T]":
        """Register what each ``package.<module>`` exports as ``attribute``: one spec, or a tuple of several."""
        for module in modules:
            found = getattr(import_module(f"{package}.{module}"), attribute)
            for item in found if isinstance(found, tuple) else (found,):
                self.register(item)
        return self

    def fitting(self, modality: str) -> "Registry[T]":
        """The entries that work on this kind of data (``"image"`` or ``"tabular"``), in order: each
        spec declares its ``modalities``."""
        fit = Registry()
        for item in self.values():
            if modality in item.modalities:
                fit.register(item)
        return fit
