"""The downloadable sets: read from files written here by hand, and a clear word when missing."""

import struct

import numpy as np
import pytest
import torch

from backdoor.datasets import DatasetUnavailable, load_dataset


def _write_idx(path, array: np.ndarray, magic: int) -> None:
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_missing_download_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    with pytest.raises(DatasetUnavailable) as info:
        load_dataset("fashion-mnist")
    message = str(info.value)
    assert "offline data set" in message and str(tmp_path / "torchvision" / "FashionMNIST") in message


def test_mnist_loader_reads_files_written_by_hand(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    raw = tmp_path / "torchvision" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 12), ("t10k", 5)):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)), 2051)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10, 2049)
    ds = load_dataset("mnist")
    assert ds.x_train.shape == (12, 1, 28, 28) and ds.x_test.shape == (5, 1, 28, 28)
    assert ds.y_train.tolist() == [i % 10 for i in range(12)]
    assert (tmp_path / "mnist-v1.npz").exists()  # parsed once, then read from the cache


def test_cifar10_loader_reads_the_binary_release(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    folder = tmp_path / "torchvision" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    first_pixels = {}
    for k, name in enumerate(names):
        records = np.zeros((2, 3073), dtype=np.uint8)
        records[:, 0] = [k, 9 - k]
        records[:, 1:] = rng.integers(0, 256, (2, 3072))
        first_pixels[name] = records[0, 1:4].copy()  # red channel, first row, pixels 0-2
        (folder / name).write_bytes(records.tobytes())
    ds = load_dataset("cifar10")
    assert ds.x_train.shape == (10, 3, 32, 32) and ds.x_test.shape == (2, 3, 32, 32)
    assert ds.y_train[:2].tolist() == [0, 9] and ds.y_test.tolist() == [5, 4]
    expected = torch.tensor(first_pixels["data_batch_1.bin"], dtype=torch.float32) / 255
    assert torch.allclose(ds.x_train[0, 0, 0, :3], expected)


def test_gtsrb_loader_resizes_photos(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    base = tmp_path / "torchvision" / "gtsrb"
    for cls in (0, 1):
        folder = base / "GTSRB" / "Training" / f"{cls:05d}"
        folder.mkdir(parents=True)
        for j in range(2):
            Image.new("RGB", (40 + j, 45), (200 * cls, 50, 50)).save(folder / f"{j}.ppm")
    test_dir = base / "GTSRB" / "Final_Test" / "Images"
    test_dir.mkdir(parents=True)
    Image.new("RGB", (50, 50), (10, 20, 30)).save(test_dir / "00000.ppm")
    (base / "GT-final_test.csv").write_text("Filename;ClassId\n00000.ppm;1\n")
    ds = load_dataset("gtsrb")
    assert ds.x_train.shape == (4, 3, 32, 32) and ds.x_test.shape == (1, 3, 32, 32)
    assert sorted(ds.y_train.tolist()) == [0, 0, 1, 1] and ds.y_test.tolist() == [1]
    assert abs(float(ds.x_test[0, 2].mean()) - 30 / 255) < 1e-6
