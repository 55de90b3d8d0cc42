"""STRIP: entropies of blended predictions, the threshold and its rates."""

import math

import pytest
import torch
from torch import nn

from backdoor.defenses.strip import StripConfig, StripResult, strip, strip_entropy, superimpose


class FixedLogits(nn.Module):
    """Ignores its input and answers the same logits for every image."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.logits = nn.Parameter(logits.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(len(x), -1)


def same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def snapshot(model: nn.Module) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.fixture(scope="module")
def strip_sets(small_mnist, trained_pair):
    """The pool is clean training digits; the rest are clean test digits and their stamped copies."""
    scenario, _, _ = trained_pair
    x, y = small_mnist.x_test, small_mnist.y_test
    pool = small_mnist.x_train[:300]
    holdout, clean = x[:150], x[150:]
    triggered = scenario.stamp(clean[y[150:] != scenario.target])
    return pool, holdout, clean, triggered


def test_a_certain_model_has_zero_entropy_and_a_uniform_one_log_k(small_mnist):
    x, pool = small_mnist.x_test[:7], small_mnist.x_train[:20]
    certain = FixedLogits(torch.tensor([0.0, 200.0, 0.0, 0.0]))
    uniform = FixedLogits(torch.zeros(5))
    assert torch.allclose(strip_entropy(certain, x, pool), torch.zeros(7), atol=1e-6)
    assert torch.allclose(strip_entropy(uniform, x, pool), torch.full((7,), math.log(5)), atol=1e-6)


def test_the_blends_follow_the_formula():
    x, overlay = torch.tensor([0.2, 0.7, 1.0]), torch.tensor([0.3, 0.6, 0.0])
    assert torch.allclose(superimpose(x, overlay, "add"), torch.tensor([0.5, 1.0, 1.0]))
    assert torch.allclose(superimpose(x, overlay, "average"), torch.tensor([0.25, 0.65, 0.5]))


def test_threshold_and_rates_on_hand_made_entropies():
    result = StripResult(
        holdout_entropy=torch.arange(1, 11) / 10,  # 0.1 .. 1.0
        clean_entropy=torch.tensor([0.05, 0.5, 0.6, 0.9]),
        triggered_entropy=torch.tensor([0.01, 0.02, 0.25, 0.3, 0.7]),
        threshold=0.28,
        frr=0.25,
        far=0.4,
    )
    # 20% quantile of 0.1..1.0, interpolated: 0.2 + 0.8 * 0.1
    assert result.threshold_for(0.2) == pytest.approx(0.28)
    assert result.threshold_for(0.0) == pytest.approx(0.1)
    assert result.threshold_for(1.0) == pytest.approx(1.0)
    assert result.rates_at(0.28) == pytest.approx((0.25, 0.4))
    assert result.rates_at(0.0) == (0.0, 1.0)
    assert result.rates_at(2.0) == (1.0, 0.0)
    assert result.tpr_at_frr(0.2) == pytest.approx(0.6)  # 0.01, 0.02 and 0.25 fall below 0.28
    # A higher FRR never rejects fewer triggered inputs.
    tprs = [result.tpr_at_frr(f) for f in (0.0, 0.1, 0.3, 0.6, 1.0)]
    assert tprs == sorted(tprs)
    with pytest.raises(ValueError):
        result.threshold_for(1.5)


def test_an_input_exactly_at_the_threshold_is_served_not_rejected():
    holdout = torch.tensor([0.5, 0.1, 0.3, 0.2, 0.4])
    result = StripResult(holdout_entropy=holdout, clean_entropy=holdout.clone(),
                         triggered_entropy=torch.tensor([0.05, 0.1, 0.3]), threshold=0.1, frr=0.0, far=2 / 3)
    # FRR 0: the threshold is the lowest held-out entropy, 0.1, and no clean input lies below it
    assert result.threshold_for(0.0) == pytest.approx(0.1)
    assert result.rates_at(result.threshold_for(0.0)) == pytest.approx((0.0, 2 / 3))  # only 0.05 rejected
    # FRR 25%: position 0.25 * (5 - 1) = 1 of the sorted entropies, exactly 0.2; of the five clean
    # inputs only 0.1 lies below it (1 in 5), and of the triggered ones 0.05 and 0.1 (2 in 3)
    assert result.threshold_for(0.25) == pytest.approx(0.2)
    assert result.rates_at(result.threshold_for(0.25)) == pytest.approx((0.2, 1 / 3))
    assert result.tpr_at_frr(0.25) == pytest.approx(2 / 3)
    assert result.tpr_at_frr(0.0) == pytest.approx(1 / 3)


def test_strip_separates_triggered_from_clean_inputs(trained_pair, strip_sets):
    _, backdoored, _ = trained_pair
    model = backdoored.model
    before = snapshot(model)
    inputs = [t.clone() for t in strip_sets]
    calls = []
    result = strip(model, *strip_sets, on_progress=lambda d, t, i: calls.append((d, t)))
    assert same_state(before, model.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(inputs, strip_sets))
    assert result.triggered_entropy.mean() < 0.25 * result.clean_entropy.mean()
    assert result.tpr_at_frr(0.05) > 0.9
    assert result.threshold == pytest.approx(result.threshold_for(0.05))
    assert (result.frr, result.far) == result.rates_at(result.threshold)
    assert result.frr < 0.15 and result.far < 0.1
    total = sum(len(s) for s in strip_sets[1:])
    assert calls[-1] == (total, total) and [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_strip_is_seeded_and_independent_of_the_batch_size(trained_pair, strip_sets):
    model = trained_pair[1].model
    pool, x = strip_sets[0], strip_sets[2][:20]
    a = strip_entropy(model, x, pool, StripConfig(overlays=6, seed=1))
    b = strip_entropy(model, x, pool, StripConfig(overlays=6, seed=1, batch_size=25))
    c = strip_entropy(model, x, pool, StripConfig(overlays=6, seed=2))
    assert a.shape == (20,)
    assert torch.allclose(a, b, atol=1e-5)
    assert not torch.allclose(a, c)


def test_strip_config_is_checked():
    with pytest.raises(ValueError):
        StripConfig(overlays=0)
    with pytest.raises(ValueError):
        StripConfig(frr=1.5)
    with pytest.raises(ValueError):
        StripConfig(blend="multiply")
