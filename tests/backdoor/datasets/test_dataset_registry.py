"""Every registered data set describes itself; an unknown name gets a clear error."""

import pytest

from backdoor.datasets import DATASETS, DatasetUnavailable, load_dataset


def test_every_registered_set_describes_itself():
    for name, spec in DATASETS.items():
        assert spec.name == name and spec.title and spec.description
        assert spec.default_model


def test_unknown_dataset_gives_a_clear_error():
    with pytest.raises(DatasetUnavailable, match="Choose one of"):
        load_dataset("imagenet")


def test_a_short_title_drops_only_the_note_in_brackets():
    assert [DATASETS[name].short_title for name in ("mnist-5k", "mnist", "cifar10", "breast-cancer")] == [
        "MNIST digits", "MNIST, all 70,000", "CIFAR-10", "Breast-cancer patient records"]
