"""ANP: masks and bounded perturbations on each neuron, learnt on clean images; the low masks are pruned."""

import torch
from torch import nn
from torch.nn import functional as F

from backdoor.defenses.common import private_copy
from backdoor.defenses.anp import (
    AnpConfig, Neuron, NeuronMasks, anp, learn_masks, neuron_layers, prune_neurons,
)
from models import build_model


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _unchanged(model, before):
    return all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def _tiny() -> nn.Sequential:
    """2 inputs -> 2 hidden units -> 1 output, weights written by hand."""
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 2.0], [3.0, -1.0]]))
        model[0].bias.copy_(torch.tensor([0.5, -1.0]))
        model[2].weight.copy_(torch.tensor([[1.0, 1.0]]))
        model[2].bias.zero_()
    return model


def test_the_neurons_are_each_hidden_layers_channels_or_the_batchnorm_after_it():
    assert neuron_layers(build_model("small-cnn", (1, 28, 28), 10)) == ["conv1", "conv2", "fc1"]
    assert neuron_layers(build_model("color-cnn", (3, 32, 32), 10)) == ["block1.1", "block2.1", "block3.1", "fc1"]
    assert neuron_layers(build_model("mlp", (30,), 2)) == ["fc1"]


def test_a_mask_and_a_perturbation_scale_a_neurons_weights_and_bias():
    model = _tiny()
    neurons = NeuronMasks(model, ["0"])
    x = torch.tensor([[1.0, 1.0]])
    # hidden pre-activations: 1 + 2 + 0.5 = 3.5 and 3 - 1 - 1 = 1
    with torch.no_grad():
        neurons.masks[0].copy_(torch.tensor([0.5, 0.0]))
        neurons.delta[0].copy_(torch.tensor([0.2, 0.3]))
        neurons.xi[0].copy_(torch.tensor([-0.4, 0.1]))
        # masks only: unit 1 = 0.5 * 3.5 = 1.75, unit 2 silenced
        assert model(x).item() == 1.75
        # perturbed: unit 1 = (0.5 + 0.2) * 3 + (0.5 - 0.4) * 0.5 = 2.15; unit 2 = 0.3 * 2 + 0.1 * -1 = 0.5
        neurons.perturbed = True
        assert abs(model(x).item() - 2.65) < 1e-6
    neurons.remove()
    assert model(x).item() == 4.5  # hooks gone: 3.5 + 1


def test_a_neuron_with_no_bias_is_scaled_by_its_mask_alone():
    # A layer built without a bias (a convolution with no BatchNorm after it) has nothing to shift.
    model = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([2.0, 3.0]).view(2, 1, 1, 1))
        model[3].weight.copy_(torch.tensor([[1.0, 1.0]]))
    neurons = NeuronMasks(model, ["0"])
    with torch.no_grad():
        neurons.masks[0].copy_(torch.tensor([0.5, 1.0]))
        neurons.xi[0].fill_(0.3)  # a bias perturbation moves nothing when there is no bias
        neurons.perturbed = True
        assert model(torch.ones(1, 1, 1, 1)).item() == 0.5 * 2 + 3
    neurons.remove()


def test_the_worst_noise_stays_within_eps_and_raises_the_clean_loss(trained_pair, small_mnist):
    _, backdoored, _ = trained_pair
    model = private_copy(backdoored.model)  # the hooks go on a copy: the shared model stays as it is
    x, y = small_mnist.x_test[:64], small_mnist.y_test[:64]
    with torch.no_grad():
        clean_loss = F.cross_entropy(model(x), y).item()
    neurons = NeuronMasks(model, neuron_layers(model))
    try:
        neurons.worst_noise(model, x, y, 0.4, torch.Generator().manual_seed(0))
        assert all(n.abs().max() <= 0.4 for n in neurons.noise()) and any(n.abs().max() == 0.4 for n in neurons.noise())
        with torch.no_grad():
            assert F.cross_entropy(model(x), y).item() > clean_loss + 0.1
    finally:
        neurons.remove()


def test_pruned_neurons_output_zero_and_the_input_model_is_untouched():
    model = _tiny()
    before = _state(model)
    pruned = prune_neurons(model, [Neuron("0", 0, 0.1)])
    assert pruned(torch.tensor([[1.0, 1.0]])).item() == 1.0  # only unit 2 left: 3 - 1 - 1
    assert _unchanged(model, before)


def test_anp_prunes_exactly_the_neurons_below_the_threshold_and_is_repeatable(trained_pair, small_mnist):
    scenario, backdoored, _ = trained_pair
    before = _state(backdoored.model)
    x, y = small_mnist.x_test[:150], small_mnist.y_test[:150]
    config = AnpConfig(steps=10)
    result = anp(backdoored.model, x, y, lambda m: m, config)
    masks = [n.mask for n in result.neurons]
    assert len(masks) == 32 + 64 + 128 and masks == sorted(masks) and 0.0 <= masks[0] and masks[-1] <= 1.0
    assert result.pruned == [n for n in result.neurons if n.mask < config.threshold]
    assert result.after is result.model and result.model is not backdoored.model
    assert _unchanged(backdoored.model, before)
    assert learn_masks(backdoored.model, x, y, config) == result.neurons  # seeded: the same masks again


def test_learnt_masks_make_the_model_sturdier_under_the_noise(trained_pair, small_mnist):
    """The outer step's purpose: with the masks ANP learns, the worst-case noise hurts clean images
    less than with every mask at 1 (averaged over the same ten noise draws)."""
    _, backdoored, _ = trained_pair
    model = private_copy(backdoored.model)
    x, y = small_mnist.x_test[:150], small_mnist.y_test[:150]
    learnt = learn_masks(model, x, y, AnpConfig(steps=40))

    def worst_loss(masks: dict | None) -> float:
        neurons = NeuronMasks(model, neuron_layers(model))
        generator, total = torch.Generator().manual_seed(1), 0.0
        try:
            with torch.no_grad():
                for n in masks or ():
                    neurons.masks[neuron_layers(model).index(n.layer)][n.index] = n.mask
            for _ in range(10):
                neurons.worst_noise(model, x, y, 0.4, generator)
                with torch.no_grad():
                    total += F.cross_entropy(model(x), y).item()
        finally:
            neurons.remove()
        return total / 10

    assert worst_loss(learnt) < worst_loss(None)


def test_its_estimate_counts_mask_updates_measured_as_anp_runs_them():
    import pytest

    from backdoor import timing
    from backdoor.defenses.anp import AnpConfig, estimate, update_seconds
    from backdoor.estimates import DataShape, evaluation_seconds
    from backdoor.scenario import Scenario

    shape = DataShape("mnist-5k", train=4000, test=1000, image_shape=(1, 28, 28), num_classes=10)
    rig, config = shape.rig("small-cnn", "cpu"), AnpConfig(steps=40)
    update = update_seconds(rig, config)
    assert 0 < update < 60  # measured, so positive and finite
    evaluation_seconds(shape, Scenario(), "cpu", shape.held_out)  # measures the rest of the estimate once
    with timing.measured_only():  # the figure just measured, not a fresh one
        assert estimate(shape, Scenario(), "cpu", config) == pytest.approx(
            40 * update + evaluation_seconds(shape, Scenario(), "cpu", shape.held_out))
        assert update_seconds(rig, AnpConfig(steps=400)) == update  # the number of steps is not part of a step
