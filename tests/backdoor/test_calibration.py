import math

import pytest
import torch

from backdoor.calibration import calibration


def test_a_perfectly_calibrated_model_has_zero_ece():
    # 10 predictions at 0.8 confidence, 8 of them right
    probs = torch.tensor([[0.8, 0.2]] * 10)
    labels = torch.tensor([0] * 8 + [1] * 2)
    result = calibration(probs, labels)
    assert result.ece == pytest.approx(0.0, abs=1e-6)
    assert result.counts[7] == 10 and result.accuracy[7] == pytest.approx(0.8)


def test_ece_matches_the_formula_by_hand():
    probs = torch.tensor([[0.95, 0.05], [0.95, 0.05], [0.6, 0.4], [0.6, 0.4]])
    labels = torch.tensor([0, 1, 0, 0])
    # bin 9: conf 0.95, acc 0.5 (gap 0.45, weight 1/2); bin 5: conf 0.6, acc 1.0 (gap 0.4, weight 1/2)
    result = calibration(probs, labels)
    assert result.ece == pytest.approx(0.5 * 0.45 + 0.5 * 0.4)
    assert math.isnan(result.confidence[0]) and sum(result.counts) == 4
    with pytest.raises(ValueError):
        calibration(probs, labels, bins=0)


def test_confidently_wrong_is_badly_calibrated():
    probs = torch.tensor([[0.99, 0.01]] * 20)
    result = calibration(probs, torch.ones(20, dtype=torch.long))
    assert result.ece == pytest.approx(0.99) and result.accuracy_overall == 0.0
