"""What every data set shares: the ``Dataset`` itself, its registry entry, and the file helpers.

An image loader returns a :class:`Dataset` of float32 tensors in [0, 1], shaped NCHW; a table
loader (``modality="tabular"``) one of standardised measurements shaped (N, D), with each
column's name and the training split's mean and spread that turn it back into real units. Both
have integer labels, the class names and a one-line description for the UI.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np
import torch

def objects_at(objects: torch.Tensor | None, rows) -> torch.Tensor | None:
    """``objects[rows]`` (see ``Dataset.objects_train``), or None when nobody located the objects."""
    return None if objects is None else objects[rows]


class DatasetUnavailable(RuntimeError):
    """A data set cannot be loaded here; the message says what to do instead."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split ready for training: images NCHW in [0, 1], labels int64."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[str, ...]
    description: str
    # Where the photographed object (a sign) sits in each image, for triggers placed on it (the
    # physical sticker): (N, 3) centre x, centre y and radius in pixels. None when not known.
    objects_train: torch.Tensor | None = None
    objects_test: torch.Tensor | None = None
    modality: str = "image"  # or "tabular": rows of measurements
    # A table's columns: their names, and the training split's mean and standard deviation that
    # standardised them (value in real units = mean + x * scale). Empty for images.
    feature_names: tuple[str, ...] = ()
    feature_mean: torch.Tensor | None = None
    feature_scale: torch.Tensor | None = None

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def image_shape(self) -> tuple[int, ...]:
        """(channels, height, width) of one image; (measurements,) of one record of a table."""
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]

    # The test split has two halves with two jobs, so no figure is ever measured on images a
    # defense has seen: the first half is the defender's small clean set, the second half is
    # where every headline figure (clean accuracy, attack success rate) is measured.
    @property
    def defender_size(self) -> int:
        return len(self.y_test) // 2

    @property
    def defender_set(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The defender's small trusted clean set: the first half of the test split."""
        return self.x_test[: self.defender_size], self.y_test[: self.defender_size]

    @property
    def held_out(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The held-out test images every headline figure is measured on: the second half of the test split."""
        return self.x_test[self.defender_size :], self.y_test[self.defender_size :]

    def subset(self, train_rows, test_rows, name: str | None = None) -> "Dataset":
        """The same data set cut to ``train_rows`` and ``test_rows``, objects and all."""
        return replace(self, name=name or self.name, x_train=self.x_train[train_rows], y_train=self.y_train[train_rows],
                       x_test=self.x_test[test_rows], y_test=self.y_test[test_rows],
                       objects_train=objects_at(self.objects_train, train_rows),
                       objects_test=objects_at(self.objects_test, test_rows))

    def test_objects(self, rows=slice(None)) -> torch.Tensor | None:
        """Where the object sits in test images ``rows`` (None when the data set does not know)."""
        return objects_at(self.objects_test, rows)

    @property
    def defender_objects(self) -> torch.Tensor | None:
        return self.test_objects(slice(None, self.defender_size))

    @property
    def held_out_objects(self) -> torch.Tensor | None:
        return self.test_objects(slice(self.defender_size, None))


@dataclass(frozen=True)
class DatasetSpec:
    """One entry of the registry: what the UI shows and how to load it."""

    name: str
    title: str
    description: str
    offline: bool
    default_model: str
    load: Callable[..., Dataset]
    modality: str = "image"  # "tabular" for rows of measurements
    # What the first load on this machine still has to do, in words, for a seed (None once done, or
    # for a set read in a blink): the page says it while the user waits.
    first_load: Callable[[int], str | None] | None = None

    def first_load_note(self, seed: int) -> str | None:
        return self.first_load(seed) if self.first_load is not None else None

    @property
    def short_title(self) -> str:
        """The title without its "(download)" or "(offline)" note, for a sentence: "CIFAR-10 is not available"."""
        head, _, note = self.title.rpartition(" (")
        return head if head and note.endswith(")") else self.title

    @property
    def modalities(self) -> tuple[str, ...]:
        return (self.modality,)


def cache_dir() -> Path:
    """Where parsed data, downloads and generated sets live (``BACKDOOR_LAB_CACHE`` overrides)."""
    root = os.environ.get("BACKDOOR_LAB_CACHE") or Path.home() / ".cache" / "backdoor-lab"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def stratified_split(
    labels: np.ndarray, test_per_class: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a seeded split that puts exactly ``test_per_class`` of every class in test."""
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        test_idx.append(idx[:test_per_class])
        train_idx.append(idx[test_per_class:])
    return rng.permutation(np.concatenate(train_idx)), rng.permutation(np.concatenate(test_idx))


def to_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (N, H, W) or (N, H, W, C) -> float NCHW in [0, 1], int64 labels."""
    if images.ndim == 3:
        images = images[:, :, :, None]
    x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2))).float().div_(255.0)
    return x, torch.from_numpy(np.asarray(labels, dtype=np.int64))


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a file atomically (``write`` fills a binary file): two sessions or servers
    writing or reading at once never see half a file, and a failed write leaves nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_arrays(path: Path, compress: bool = True, **arrays: np.ndarray) -> None:
    """Write an .npz atomically."""
    atomic_write(path, lambda f: (np.savez_compressed if compress else np.savez)(f, **arrays))


def dataset_from_arrays(name: str, x_train, y_train, x_test, y_test, classes: tuple[str, ...],
                        description: str, objects_train=None, objects_test=None) -> Dataset:
    """A ``Dataset`` from uint8 image arrays, their labels and (optionally) where each image's object sits."""
    x_tr, y_tr = to_tensors(x_train, y_train)
    x_te, y_te = to_tensors(x_test, y_test)
    objects = [None if o is None else torch.as_tensor(np.asarray(o, dtype=np.float32)) for o in (objects_train, objects_test)]
    return Dataset(name, x_tr, y_tr, x_te, y_te, classes, description, *objects)
