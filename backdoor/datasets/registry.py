"""The data-set registry: one line per file in this package, each file's ``SPECS``."""

from __future__ import annotations

from importlib import import_module

from backdoor.datasets.base import Dataset, DatasetSpec, DatasetUnavailable

DEFAULT_DATASET = "mnist-5k"
MODULES = (
    "mnist5k",
    "traffic_signs",
    "torchvision_sets",
)

DATASETS: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    DATASETS[spec.name] = spec
    return spec


for _module in MODULES:
    for _spec in import_module(f"backdoor.datasets.{_module}").SPECS:
        register(_spec)


def load_dataset(name: str = DEFAULT_DATASET, seed: int = 0, **options) -> Dataset:
    """Load a registered data set by name; ``options`` go to its loader (e.g. ``download``)."""
    try:
        spec = DATASETS[name]
    except KeyError:
        raise DatasetUnavailable(
            f"Unknown data set {name!r}. Choose one of: {', '.join(DATASETS)}."
        ) from None
    return spec.load(seed=seed, **options)
