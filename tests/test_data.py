import struct

import numpy as np
import pytest
import torch

from backdoor.data import DATASETS, DatasetUnavailable, cache_dir, load_dataset, stratified_split
from backdoor.traffic_signs import SIGN_CLASSES, generate


def test_mnist5k_is_the_real_balanced_split(mnist):
    assert mnist.x_train.shape == (4000, 1, 28, 28)
    assert mnist.x_test.shape == (1000, 1, 28, 28)
    assert mnist.x_train.dtype == torch.float32 and mnist.y_train.dtype == torch.int64
    assert 0.0 <= float(mnist.x_train.min()) and float(mnist.x_train.max()) == 1.0
    assert mnist.y_train.bincount().tolist() == [400] * 10
    assert mnist.y_test.bincount().tolist() == [100] * 10
    assert mnist.classes == tuple("0123456789")
    assert (cache_dir() / "mnist5k-v1.npz").exists()


def test_mnist5k_split_is_seeded_and_disjoint(mnist):
    again = load_dataset("mnist-5k", seed=0)
    other = load_dataset("mnist-5k", seed=1)
    assert torch.equal(again.x_train, mnist.x_train)
    assert not torch.equal(other.x_test, mnist.x_test)
    train_rows = {row.numpy().tobytes() for row in mnist.x_train.flatten(1)}
    overlap = sum(row.numpy().tobytes() in train_rows for row in mnist.x_test.flatten(1))
    assert overlap <= 5  # MNIST has a handful of true duplicates, no split leak


def test_stratified_split_takes_exactly_n_per_class():
    labels = np.repeat(np.arange(3), [10, 20, 30])
    train, test = stratified_split(labels, test_per_class=4, seed=3)
    assert np.bincount(labels[test]).tolist() == [4, 4, 4]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(60))


def test_traffic_signs_are_deterministic_colour_and_balanced():
    images, labels, boxes = generate(per_class=3, seed=7)
    again, labels_again, _ = generate(per_class=3, seed=7)
    other, _, _ = generate(per_class=3, seed=8)
    assert images.shape == (3 * len(SIGN_CLASSES), 32, 32, 3) and images.dtype == np.uint8
    assert len(SIGN_CLASSES) >= 6
    assert np.bincount(labels).tolist() == [3] * len(SIGN_CLASSES)
    assert np.array_equal(images, again) and np.array_equal(labels, labels_again)
    assert not np.array_equal(images, other)
    # the sign sits inside the frame: its centre and radius are in pixels of the 32x32 image
    assert ((boxes[:, :2] > 0) & (boxes[:, :2] < 32)).all() and (boxes[:, 2] > 5).all()


def test_every_registered_set_describes_itself():
    for name, spec in DATASETS.items():
        assert spec.name == name and spec.title and spec.description
        assert spec.default_model


def test_unknown_dataset_gives_a_clear_error():
    with pytest.raises(DatasetUnavailable, match="Choose one of"):
        load_dataset("imagenet")


def test_missing_download_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    with pytest.raises(DatasetUnavailable) as info:
        load_dataset("fashion-mnist")
    message = str(info.value)
    assert "offline data set" in message and str(tmp_path / "torchvision" / "FashionMNIST") in message


def _write_idx(path, array: np.ndarray, magic: int) -> None:
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


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
