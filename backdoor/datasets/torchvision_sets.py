"""Downloadable data sets (MNIST, Fashion-MNIST, CIFAR-10, GTSRB), loaded through torchvision.

Files live under ``cache_dir()/torchvision``. Nothing is fetched unless ``download=True``;
when the files are missing and cannot be fetched, :class:`DatasetUnavailable` says which
folder to fill or which offline set to pick instead. The first successful parse is kept
as an .npz so later loads take well under a second. CIFAR-10 is read from its binary
release (never unpickled).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from backdoor.datasets.base import Dataset, DatasetSpec, DatasetUnavailable, cache_dir, dataset_from_arrays
from backdoor.datasets.made_once import made_once

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
FASHION_CLASSES = (
    "T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
    "ankle boot",
)
GTSRB_SIZE = 32

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class TorchvisionSet:
    name: str
    folder: str  # what the user must provide under the torchvision cache folder
    classes: tuple[str, ...]
    read: Callable[[Path, bool], Arrays]


def _mnist_like(dataset_cls_name: str) -> Callable[[Path, bool], Arrays]:
    def read(root: Path, download: bool) -> Arrays:
        import torchvision.datasets as tvd

        cls = getattr(tvd, dataset_cls_name)
        train = cls(str(root), train=True, download=download)
        test = cls(str(root), train=False, download=download)
        return (train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy())

    return read


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    # Binary release: each record is 1 label byte then 3x32x32 pixel bytes (CHW).
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 1 + 3 * 32 * 32)
    images = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, raw[:, 0].astype(np.int64)


def _read_cifar10(root: Path, download: bool) -> Arrays:
    folder = root / "cifar-10-batches-bin"
    if not folder.is_dir() and download:
        from torchvision.datasets.utils import download_and_extract_archive

        download_and_extract_archive(CIFAR10_URL, download_root=str(root), md5=CIFAR10_MD5)
    if not folder.is_dir():
        raise FileNotFoundError(folder)
    parts = [_read_cifar_batch(folder / f"data_batch_{i}.bin") for i in range(1, 6)]
    x_test, y_test = _read_cifar_batch(folder / "test_batch.bin")
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        x_test,
        y_test,
    )


def _read_gtsrb(root: Path, download: bool) -> Arrays:
    from PIL import Image
    from torchvision.datasets import GTSRB

    def resized(split: str) -> tuple[np.ndarray, np.ndarray]:
        ds = GTSRB(str(root), split=split, download=download)
        images, labels = [], []
        for path, label in ds._samples:
            with Image.open(path) as img:
                img = img.convert("RGB").resize((GTSRB_SIZE, GTSRB_SIZE), Image.BILINEAR)
                images.append(np.asarray(img, dtype=np.uint8))
            labels.append(label)
        return np.stack(images), np.asarray(labels, dtype=np.int64)

    return (*resized("train"), *resized("test"))


SETS: dict[str, TorchvisionSet] = {
    s.name: s
    for s in [
        TorchvisionSet("mnist", "MNIST/raw", tuple(str(d) for d in range(10)), _mnist_like("MNIST")),
        TorchvisionSet("fashion-mnist", "FashionMNIST/raw", FASHION_CLASSES, _mnist_like("FashionMNIST")),
        TorchvisionSet("cifar10", "cifar-10-batches-bin", CIFAR10_CLASSES, _read_cifar10),
        TorchvisionSet(
            "gtsrb", "gtsrb/GTSRB", tuple(f"sign {i}" for i in range(43)), _read_gtsrb
        ),
    ]
}


def torchvision_root() -> Path:
    root = cache_dir() / "torchvision"
    root.mkdir(parents=True, exist_ok=True)
    return root


def load_torchvision_set(name: str, download: bool = False) -> Dataset:
    """Load ``name`` from the cache folder, downloading it first when ``download`` is true."""
    spec = SETS[name]
    root = torchvision_root()
    def parse() -> dict[str, np.ndarray]:
        try:
            x_train, y_train, x_test, y_test = spec.read(root, download)
        except Exception as error:  # missing files, no network, a half-finished download
            hint = (
                "The download failed (is this machine offline?). "
                if download
                else "Its files are not on this machine yet. "
            )
            raise DatasetUnavailable(
                f"{hint}Pick an offline data set (MNIST digits 5,000 or Traffic signs), "
                f"or put the {name} files in {root / spec.folder} and try again. "
                f"(Details: {type(error).__name__}: {error})"
            ) from error
        return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)

    # parsed once per machine; two users picking the set at once download and parse it once
    parsed = made_once(cache_dir() / f"{name}-v1.npz", parse, compress=False)
    arrays = (parsed["x_train"], parsed["y_train"], parsed["x_test"], parsed["y_test"])
    return dataset_from_arrays(name, *arrays, spec.classes, DESCRIPTIONS[name])


DESCRIPTIONS = {
    "mnist": "The full MNIST handwritten digit set. Needs a one-time download (about 12 MB).",
    "fashion-mnist": "Greyscale photos of clothing in 10 classes. Needs a one-time download (about 30 MB).",
    "cifar10": "Small colour photos of planes, cars, animals and more. Needs a one-time download "
               "(about 170 MB); a small CNN reaches only about 70% here.",
    "gtsrb": "Real photos of 43 kinds of German traffic sign, resized to 32x32. Needs a one-time "
             "download (about 300 MB).",
}
TITLES = {"mnist": "MNIST, all 70,000 (download)", "fashion-mnist": "Fashion-MNIST (download)",
          "cifar10": "CIFAR-10 (download)", "gtsrb": "GTSRB signs (download)"}
MODELS = {"mnist": "small-cnn", "fashion-mnist": "small-cnn", "cifar10": "color-cnn", "gtsrb": "color-cnn"}


def _loader(name: str):
    def load(seed: int = 0, download: bool = False) -> Dataset:
        return load_torchvision_set(name, download=download)

    return load


SPECS = tuple(DatasetSpec(name, TITLES[name], DESCRIPTIONS[name], offline=False, default_model=MODELS[name],
                          load=_loader(name)) for name in ("mnist", "fashion-mnist", "cifar10", "gtsrb"))
