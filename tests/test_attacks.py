import math

import pytest
import torch

from backdoor.attacks import ATTACKS, BadNets, Blended, PoisonConfig, apply_trigger, poison, poison_count, stealth


def test_badnets_patch_lands_on_exactly_these_pixels():
    x = torch.full((2, 1, 28, 28), 0.5)
    out = apply_trigger(x, BadNets(size=4, position="bottom-right", margin=1, pattern="solid", colour="white"))
    changed = (out != x).any(dim=(0, 1))
    expected = torch.zeros(28, 28, dtype=torch.bool)
    expected[23:27, 23:27] = True
    assert torch.equal(changed, expected)
    assert torch.all(out[:, :, 23:27, 23:27] == 1.0)


@pytest.mark.parametrize(
    "position, row, col",
    [("top-left", 2, 2), ("top-right", 2, 25), ("bottom-left", 25, 2), ("bottom-right", 25, 25), ("centre", 13, 13)],
)
def test_badnets_positions(position, row, col):
    trigger = BadNets(size=3, position=position, margin=2)
    assert trigger.box(30, 30) == (row, col)
    mask = trigger.footprint(torch.zeros(1, 1, 30, 30))
    assert mask.sum() == 9 and mask[row : row + 3, col : col + 3].all()


def test_badnets_checkerboard_and_colour_in_rgb():
    x = torch.zeros(1, 3, 8, 8)
    out = apply_trigger(x, BadNets(size=2, position="top-left", margin=0, pattern="checkerboard", colour="red"))
    assert out[0, :, 0, 0].tolist() == [1.0, 0.0, 0.0]  # "on" square: red
    assert out[0, :, 0, 1].tolist() == [0.0, 0.0, 0.0]  # "off" square: black
    assert out[0, :, 1, 1].tolist() == [1.0, 0.0, 0.0]


def test_badnets_greyscale_uses_luminance_and_random_pattern_is_fixed():
    x = torch.zeros(1, 1, 8, 8)
    yellow = apply_trigger(x, BadNets(size=2, margin=0, pattern="solid", colour="yellow"))
    assert yellow.max().item() == pytest.approx(0.299 + 0.587 * 0.85)
    a = apply_trigger(x, BadNets(size=4, margin=0, pattern="random", pattern_seed=1))
    b = apply_trigger(x, BadNets(size=4, margin=0, pattern="random", pattern_seed=1))
    assert torch.equal(a, b)


def test_badnets_rejects_a_patch_that_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        apply_trigger(torch.zeros(1, 1, 8, 8), BadNets(size=8, margin=1))


def test_blended_mixes_with_alpha_everywhere():
    x = torch.rand(3, 1, 10, 10)
    trigger = Blended(alpha=0.2)
    key = trigger.key_pattern(1, 10, 10)
    assert torch.allclose(apply_trigger(x, trigger), 0.8 * x + 0.2 * key)
    footprint = trigger.footprint(x)
    assert footprint.shape == (10, 10) and footprint.sum() >= 10


def test_poison_count_labels_and_mask_are_exact(mnist):
    config = PoisonConfig(rate=0.1, target=3, seed=0)
    before = mnist.x_train.clone()
    out = poison(mnist.x_train, mnist.y_train, BadNets(), config, 10)
    assert out.num_poisoned == poison_count(4000, 0.1) == 400
    assert torch.equal(mnist.x_train, before)  # the input is never modified
    mask = out.poisoned_mask
    assert (mnist.y_train[mask] != 3).all() and (out.y[mask] == 3).all()
    assert torch.equal(out.y[~mask], mnist.y_train[~mask])
    assert torch.equal(out.x[~mask], mnist.x_train[~mask])
    assert torch.equal(out.x[mask], apply_trigger(mnist.x_train[mask], BadNets()))


def test_poison_is_deterministic_by_seed(mnist):
    args = (mnist.x_train, mnist.y_train, BadNets())
    a = poison(*args, PoisonConfig(rate=0.05, seed=4), 10)
    b = poison(*args, PoisonConfig(rate=0.05, seed=4), 10)
    c = poison(*args, PoisonConfig(rate=0.05, seed=5), 10)
    assert torch.equal(a.poisoned_mask, b.poisoned_mask) and torch.equal(a.x, b.x)
    assert not torch.equal(a.poisoned_mask, c.poisoned_mask)


def test_poison_rate_zero_and_bad_settings(mnist):
    out = poison(mnist.x_train, mnist.y_train, BadNets(), PoisonConfig(rate=0.0), 10)
    assert out.num_poisoned == 0 and torch.equal(out.x, mnist.x_train)
    with pytest.raises(ValueError, match="between 0 and 9"):
        poison(mnist.x_train, mnist.y_train, BadNets(), PoisonConfig(target=10), 10)
    with pytest.raises(ValueError):
        PoisonConfig(rate=0.9)


def test_stealth_figures_match_their_formulas():
    clean = torch.zeros(2, 1, 4, 4)
    triggered = clean.clone()
    triggered[:, :, 0, 0] = 0.5  # one pixel of 16 moved by 0.5
    figures = stealth(clean, triggered)
    assert figures["linf"] == pytest.approx(0.5)
    assert figures["l2"] == pytest.approx(0.5)
    assert figures["psnr"] == pytest.approx(10 * math.log10(1 / (0.25 / 16)))
    assert stealth(clean, clean)["psnr"] == math.inf


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_registry_contract(name):
    spec = ATTACKS[name]
    assert spec.paper.startswith("https://") and spec.title and spec.summary
    trigger = spec.config()
    assert spec.config.__doc__ and spec.paper in spec.config.__doc__
    for shape in [(2, 1, 28, 28), (2, 3, 32, 32)]:
        x = torch.rand(shape)
        out = apply_trigger(x, trigger)
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
        assert not torch.equal(out, x)
        assert torch.equal(out, apply_trigger(x, trigger))  # pure and deterministic
        assert trigger.footprint(x).shape == shape[2:]
    with pytest.raises(Exception):
        trigger.size = 3  # configs are frozen
