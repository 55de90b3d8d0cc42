"""Data sets: one file per source (its loader and ``SPECS``), a registry, and the shared base.

Imports go one way: ``registry`` imports the source files, the source files import ``base``.
"""

from backdoor.datasets.base import (Dataset, DatasetSpec, DatasetUnavailable, atomic_write, cache_dir,
                                    dataset_from_arrays, objects_at, save_arrays, stratified_split,
                                    to_tensors)
from backdoor.datasets.registry import DATASETS, DEFAULT_DATASET, load_dataset, register

__all__ = [
    "DATASETS", "DEFAULT_DATASET", "Dataset", "DatasetSpec", "DatasetUnavailable", "atomic_write", "cache_dir",
    "dataset_from_arrays", "load_dataset", "objects_at", "register", "save_arrays", "stratified_split", "to_tensors",
]
