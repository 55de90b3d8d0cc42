import math

import pytest
import torch
from torch import nn

from backdoor.defenses.compression import (
    CompressionConfig,
    compression_study,
    fake_quantize_int8,
    magnitude_prune,
    quantize_int8,
    weight_sparsity,
)
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


# --- STRIP ---------------------------------------------------------------------------------


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


# --- Compression ---------------------------------------------------------------------------


def test_int8_quantization_rounds_each_row_to_its_own_grid():
    layer = nn.Linear(3, 3)
    weight = torch.tensor([[1.27, -0.5, 0.0], [0.3, -0.2, 0.1], [0.0, 0.0, 0.0]])
    with torch.no_grad():
        layer.weight.copy_(weight)
    before = snapshot(layer)
    quantized = quantize_int8(layer)
    assert same_state(before, layer.state_dict())
    # scale = max|w| / 127 per row; codes = round(w / scale)
    scale = torch.tensor([[1.27], [0.3], [0.0]]) / 127
    codes = torch.tensor([[127.0, -50.0, 0.0], [127.0, -85.0, 42.0], [0.0, 0.0, 0.0]])
    assert torch.equal(quantized.weight, codes * scale)
    assert torch.equal(quantized.bias, layer.bias)
    assert isinstance(quantized, nn.Linear)


def test_int8_quantization_of_a_conv_uses_one_scale_per_filter():
    weight = torch.randn(4, 2, 3, 3, generator=torch.Generator().manual_seed(0))
    weight[2] *= 100  # a large filter must not coarsen the grid of the others
    quantized = fake_quantize_int8(weight)
    scale = weight.abs().amax(dim=(1, 2, 3), keepdim=True) / 127
    assert torch.allclose(quantized / scale, torch.round(quantized / scale), atol=1e-3)
    assert ((quantized - weight).abs() <= scale / 2 + 1e-7).all()
    assert torch.allclose(fake_quantize_int8(quantized), quantized, atol=1e-6)  # already on the grid


def test_magnitude_pruning_zeros_exactly_the_smallest_weights_across_layers():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3))
    # magnitudes 1..10 spread over both layers, with mixed signs
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[-7.0, 2.0], [10.0, -4.0]]))
        model[2].weight.copy_(torch.tensor([[1.0, -9.0], [-3.0, 6.0], [5.0, -8.0]]))
    before = snapshot(model)
    pruned = magnitude_prune(model, 0.3)
    assert same_state(before, model.state_dict())
    assert torch.equal(pruned[0].weight, torch.tensor([[-7.0, 0.0], [10.0, -4.0]]))
    assert torch.equal(pruned[2].weight, torch.tensor([[0.0, -9.0], [0.0, 6.0], [5.0, -8.0]]))
    assert torch.equal(pruned[0].bias, model[0].bias)
    assert weight_sparsity(pruned) == pytest.approx(0.3)
    assert weight_sparsity(magnitude_prune(model, 0.5)) == pytest.approx(0.5)
    assert weight_sparsity(magnitude_prune(model, 1)) == 1.0  # 1 means 100%, not one weight
    # permanent: plain parameters, no masks or hooks left behind
    assert set(pruned.state_dict()) == set(model.state_dict())
    assert not any(layer._forward_pre_hooks for layer in pruned.modules())
    with pytest.raises(ValueError):
        magnitude_prune(model, 1.5)


def test_magnitude_pruning_hits_the_sparsity_on_a_real_network(trained_pair):
    model = trained_pair[1].model
    for sparsity in (0.25, 0.6):
        assert weight_sparsity(magnitude_prune(model, sparsity)) == pytest.approx(sparsity, abs=1e-5)


def test_compression_study_on_the_backdoored_model(small_mnist, trained_pair):
    scenario, backdoored, _ = trained_pair
    model = backdoored.model
    before = snapshot(model)
    # the held-out half, where training measured the model's own figures
    x, y = (t.clone() for t in small_mnist.held_out)
    calls = []
    config = CompressionConfig(sparsities=(0.5, 0.99))
    result = compression_study(
        model, x, y, scenario.trigger, scenario.target, config, lambda d, t, i: calls.append((d, t, i))
    )
    assert same_state(before, model.state_dict())
    assert torch.equal(x, small_mnist.held_out[0]) and torch.equal(y, small_mnist.held_out[1])
    assert [r.setting for r in result.rows] == ["original", "int8 weights", "pruned 50%", "pruned 99%"]
    original, int8, half, nearly_all = result.rows
    assert original.clean_acc == pytest.approx(backdoored.final.clean_acc)
    assert original.asr == pytest.approx(backdoored.final.asr)
    assert original.sparsity < 0.01
    # int8 rounding barely moves anything: the backdoor ships with the model
    assert abs(int8.clean_acc - original.clean_acc) < 0.02 and int8.asr > 0.9
    assert half.sparsity == pytest.approx(0.5, abs=1e-5)
    assert nearly_all.sparsity == pytest.approx(0.99, abs=1e-5) and nearly_all.clean_acc < 0.5
    assert [(d, t) for d, t, _ in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert result.seconds > 0
    assert same_state(magnitude_prune(model, 0.5).state_dict(), magnitude_prune(model, 0.5).state_dict())


def test_compression_config_is_checked():
    with pytest.raises(ValueError):
        CompressionConfig(sparsities=(0.5, 1.2))
