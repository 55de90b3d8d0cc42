"""Patient records: the Wisconsin breast-cancer measurements that ship inside scikit-learn.

569 records of a fine-needle aspirate of a breast mass, 30 measurements of the cell nuclei each
(radius, texture, concavity... as the mean, the standard error and the worst value over the
nuclei), diagnosed malignant (212) or benign (357). Street, Wolberg & Mangasarian, "Nuclear
feature extraction for breast tumor diagnosis", 1993, https://doi.org/10.1117/12.148698; the
copy is ``sklearn.datasets.load_breast_cancer``, so nothing is downloaded.

The split is stratified and seeded: 30% of each diagnosis is held out for testing, arranged so
that both halves of the test split (the defender's records and the held-out records every
figure is measured on) keep the same share of each diagnosis. Each measurement is standardised
with the mean and standard deviation of the training split only; the test records never shape
the scale.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer

from backdoor.datasets.base import Dataset, DatasetSpec

NAME = "breast-cancer"
CLASSES = ("malignant", "benign")  # scikit-learn's own order: label 0 is malignant
MALIGNANT, BENIGN = 0, 1
TEST_SHARE = 0.3
DESCRIPTION = ("569 real patient records (Wisconsin breast cancer, shipped inside scikit-learn): 30 measurements "
               "of the cell nuclei in a biopsy, each diagnosed malignant or benign. Works offline; a model "
               "trains in under a second.")


def stratified_halves(labels: np.ndarray, test_share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, test rows) of a seeded split holding out ``test_share`` of every class. The
    test rows are the defender's half then the held-out half, each with about the same share of
    every class (a class's odd record goes to the held-out half)."""
    rng = np.random.default_rng(seed)
    train, first, second = [], [], []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        held = int(round(test_share * len(rows)))
        train.append(rows[held:])
        first.append(rows[: held // 2])
        second.append(rows[held // 2 : held])
    test = [rng.permutation(np.concatenate(half)) for half in (first, second)]
    return rng.permutation(np.concatenate(train)), np.concatenate(test)


def standardise(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """(mean, scale, standardised arrays): z = (x - mean) / scale, with the mean and the standard
    deviation of ``train`` alone, applied to ``train`` and every one of ``others``."""
    mean = train.mean(axis=0)
    scale = train.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)  # a constant column stays 0 rather than dividing by 0
    return mean, scale, [(a - mean) / scale for a in (train, *others)]


def load_breast_cancer_records(seed: int = 0) -> Dataset:
    data = load_breast_cancer()
    values, labels = data.data.astype(np.float64), data.target.astype(np.int64)
    train_rows, test_rows = stratified_halves(labels, TEST_SHARE, seed)
    mean, scale, (x_train, x_test) = standardise(values[train_rows], values[test_rows])

    def floats(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

    return Dataset(NAME, floats(x_train), torch.from_numpy(labels[train_rows]), floats(x_test),
                   torch.from_numpy(labels[test_rows]), CLASSES, DESCRIPTION, modality="tabular",
                   feature_names=tuple(str(n) for n in data.feature_names), feature_mean=floats(mean),
                   feature_scale=floats(scale))


SPECS = (DatasetSpec(NAME, "Breast-cancer patient records (offline)", DESCRIPTION, offline=True,
                     default_model="mlp", load=load_breast_cancer_records, modality="tabular"),)
