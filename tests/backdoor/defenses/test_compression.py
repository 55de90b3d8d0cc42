"""Compression: int8 weights and magnitude pruning, and whether the backdoor survives them."""

import pytest
import torch
from torch import nn

from backdoor.defenses.compression import (
    CompressionConfig, compression_study, fake_quantize_int8, magnitude_prune, quantize_int8,
    weight_sparsity,
)


def same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def snapshot(model: nn.Module) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items()}


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
        pruned = magnitude_prune(model, sparsity)
        assert weight_sparsity(pruned) == pytest.approx(sparsity, abs=1e-5)
        # its convolutions stay channels-last (models/layout.py), as the model given was built
        assert pruned.conv2.weight.is_contiguous(memory_format=torch.channels_last)


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
