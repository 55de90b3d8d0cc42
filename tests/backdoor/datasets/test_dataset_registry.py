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
