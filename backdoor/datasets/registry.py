"""The data-set registry: one line per file in this package, each file's ``SPECS``."""

from __future__ import annotations

from backdoor.datasets.base import Dataset, DatasetSpec, DatasetUnavailable
from backdoor.registry import Registry

DEFAULT_DATASET = "mnist-5k"
MODULES = (
    "mnist5k",
    "traffic_signs",
    "torchvision_sets",
    "breast_cancer",
)

DATASETS: Registry[DatasetSpec] = Registry().load("backdoor.datasets", MODULES, "SPECS")
register = DATASETS.register


def load_dataset(name: str = DEFAULT_DATASET, seed: int = 0, **options) -> Dataset:
    """Load a registered data set by name; ``options`` go to its loader (e.g. ``download``)."""
    try:
        spec = DATASETS[name]
    except KeyError:
        raise DatasetUnavailable(
            f"Unknown data set {name!r}. Choose one of: {', '.join(DATASETS)}."
        ) from None
    return spec.load(seed=seed, **options)
