"""The patient records: a stratified, seeded split, standardised on the training split alone."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer

from backdoor.datasets import DATASETS, load_dataset
from backdoor.datasets.breast_cancer import BENIGN, MALIGNANT, standardise, stratified_halves


@pytest.fixture(scope="module")
def records():
    return load_dataset("breast-cancer", seed=0)


def test_the_records_are_the_real_569_with_their_30_measurements(records):
    raw = load_breast_cancer()
    assert len(records.y_train) + len(records.y_test) == 569
    assert records.image_shape == (30,) and records.modality == "tabular"
    assert records.feature_names == tuple(raw.feature_names)
    assert records.classes[MALIGNANT] == "malignant" and records.classes[BENIGN] == "benign"
    assert int((records.y_train == MALIGNANT).sum() + (records.y_test == MALIGNANT).sum()) == 212
    assert DATASETS["breast-cancer"].modality == "tabular" and DATASETS["breast-cancer"].offline
    # back in real units, every record is one of scikit-learn's, unchanged
    real = records.x_train * records.feature_scale + records.feature_mean
    for record in real[:20].double().numpy():
        assert np.isclose(raw.data, record, rtol=1e-4, atol=1e-6).all(axis=1).sum() == 1


def test_standardisation_uses_the_training_split_only(records):
    assert torch.allclose(records.x_train.mean(0), torch.zeros(30), atol=1e-4)
    assert torch.allclose(records.x_train.std(0, unbiased=False), torch.ones(30), atol=1e-4)
    assert records.x_test.mean(0).abs().max() > 0.01  # the test records did not shape the scale
    mean, scale, (a, b) = standardise(np.array([[0.0, 5.0], [2.0, 5.0]]), np.array([[100.0, 6.0]]))
    assert mean.tolist() == [1.0, 5.0] and scale.tolist() == [1.0, 1.0]  # a constant column: scale 1, not 0
    assert a.tolist() == [[-1.0, 0.0], [1.0, 0.0]] and b.tolist() == [[99.0, 1.0]]


def test_the_split_is_stratified_seeded_and_both_test_halves_keep_the_mix(records):
    labels = np.array([0] * 20 + [1] * 40)
    train, test = stratified_halves(labels, 0.3, seed=3)
    assert sorted(np.concatenate([train, test])) == list(range(60))
    assert (labels[test] == 0).sum() == 6 and (labels[test] == 1).sum() == 12
    first, second = labels[test[:9]], labels[test[9:]]
    assert (first == 0).sum() == 3 and (second == 0).sum() == 3
    assert np.array_equal(stratified_halves(labels, 0.3, seed=3)[1], test)
    assert not np.array_equal(stratified_halves(labels, 0.3, seed=4)[1], test)
    defender, held = records.defender_set[1], records.held_out[1]
    share = [float((half == MALIGNANT).float().mean()) for half in (defender, held, records.y_train)]
    assert max(share) - min(share) < 0.02, share
    other = load_dataset("breast-cancer", seed=1)
    assert not torch.equal(other.y_test, records.y_test)
