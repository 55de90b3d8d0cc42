"""The data inspections (Activation Clustering, Spectral Signatures) and their shared statistics."""

import numpy as np
import pytest
import torch

from backdoor.defenses.activation_clustering import activation_clustering
from backdoor.defenses.common import detection_score
from backdoor.defenses.detection import fisher_separation, robust_z
from backdoor.defenses.spectral_signatures import SpectralSignaturesConfig, spectral_signatures
from backdoor.scenario import poisoned_training_set


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _unchanged(model, before):
    return all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.fixture(scope="module")
def poisoned(small_mnist, trained_pair):
    scenario, _, _ = trained_pair
    return poisoned_training_set(small_mnist, scenario)


@pytest.mark.parametrize("defense", [activation_clustering, spectral_signatures])
def test_data_inspection_flags_mostly_poisoned_samples(defense, trained_pair, poisoned):
    _, backdoored, _ = trained_pair
    before, x_before = _state(backdoored.model), poisoned.x.clone()
    result = defense(backdoored.model, poisoned.x, poisoned.y)
    score = result.score(poisoned.poisoned_mask)
    assert result.suspect_classes == [0]
    assert score.precision > 0.85 and score.recall > 0.7  # random flagging would have precision 0.1
    assert _unchanged(backdoored.model, before) and torch.equal(poisoned.x, x_before)
    again = defense(backdoored.model, poisoned.x, poisoned.y)
    assert torch.equal(result.flags, again.flags)  # seeded


@pytest.mark.parametrize("defense", [activation_clustering, spectral_signatures])
def test_data_inspection_flags_nothing_on_a_clean_model(defense, small_mnist, trained_pair):
    _, _, baseline = trained_pair
    result = defense(baseline.model, small_mnist.x_train, small_mnist.y_train)
    assert result.flags.sum() <= 0.02 * len(small_mnist.y_train)


def test_spectral_signatures_removes_at_most_its_budget(trained_pair, poisoned):
    _, backdoored, _ = trained_pair
    config = SpectralSignaturesConfig(expected_poison_fraction=0.02, removal_factor=1.5)
    result = spectral_signatures(backdoored.model, poisoned.x, poisoned.y, config)
    assert int(result.flags.sum()) <= round(1.5 * 0.02 * len(poisoned.y))


def test_detection_score_by_hand():
    flags = torch.tensor([1, 1, 0, 0, 1], dtype=torch.bool)
    truth = torch.tensor([1, 0, 1, 0, 1], dtype=torch.bool)
    score = detection_score(flags, truth)
    assert (score.flagged, score.true_positives) == (3, 2)
    assert score.precision == pytest.approx(2 / 3) and score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 / 3)


def test_fisher_separation_and_robust_z_by_hand():
    values = np.array([[0.0], [2.0], [10.0], [12.0]])
    groups = np.array([0, 0, 1, 1])
    # means 1 and 11, variances 1 and 1: (11 - 1)^2 / (1 + 1) = 50
    assert fisher_separation(values, groups) == pytest.approx(50.0)
    z = robust_z(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert z[2] == 0 and z[4] == pytest.approx(97 / 1.4826)
