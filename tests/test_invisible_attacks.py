"""WaNet, SIG, the physical sticker, all-to-all mode and SSIM: exact trigger tests."""

import math

import pytest
import torch

from backdoor.attacks import (
    ALL_TO_ALL, ATTACKS, SIG, BadNets, PoisonConfig, Sticker, WaNet, apply_trigger, attack_labels, poison, ssim,
    stealth,
)


def _images(n=6, c=1, h=28, w=28, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("trigger", [WaNet(), SIG(), BadNets()])
def test_triggers_keep_shape_range_and_are_deterministic(trigger):
    x = _images()
    out = apply_trigger(x, trigger)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1
    assert torch.equal(out, apply_trigger(x, trigger))
    assert torch.equal(x, _images())  # the input is untouched


def test_wanet_is_a_small_smooth_warp_of_the_whole_image():
    trigger = WaNet(grid=4, strength=1.0)
    grid = trigger.warp_grid(28, 28)
    rows, cols = torch.meshgrid(torch.linspace(-1, 1, 28), torch.linspace(-1, 1, 28), indexing="ij")
    identity = torch.stack((cols, rows), dim=2)[None]
    shift_pixels = (grid - identity).abs() * 28 / 2  # grid units to pixels
    assert 0.3 < shift_pixels.max() < 4  # about `strength` pixels, never far
    # a constant image stays constant in the interior: a warp moves pixels, it adds nothing
    flat = torch.full((1, 1, 28, 28), 0.4)
    assert torch.allclose(apply_trigger(flat, trigger)[..., 3:-3, 3:-3], flat[..., 3:-3, 3:-3], atol=1e-5)
    # another secret seed gives another warp
    assert not torch.equal(grid, WaNet(grid_seed=1).warp_grid(28, 28))


def test_wanet_stronger_warp_changes_more():
    x = _images()
    weak = (apply_trigger(x, WaNet(strength=0.5)) - x).abs().mean()
    strong = (apply_trigger(x, WaNet(strength=2.0)) - x).abs().mean()
    assert strong > weak > 0


def test_wanet_noise_mode_covers_keep_their_true_labels():
    y = torch.arange(100) % 10
    x = _images(100)
    out = poison(x, y, WaNet(cover_ratio=2.0), PoisonConfig(rate=0.1, target=0), 10)
    assert out.num_poisoned == 10 and out.num_cover == 20
    assert not (out.poisoned_mask & out.cover_mask).any()
    cover = out.cover_mask
    assert torch.equal(out.y[cover], y[cover])  # labels kept
    assert not torch.allclose(out.x[cover], x[cover])  # images altered
    assert not torch.allclose(out.x[cover], apply_trigger(x[cover], WaNet()))  # but not with the exact warp
    assert out.cover_mask.sum() == 20 and torch.equal(out.x[~(out.poisoned_mask | cover)], x[~(out.poisoned_mask | cover)])


def test_sig_adds_a_horizontal_sinusoid_and_is_clean_label():
    trigger = SIG(delta=0.1, train_delta=0.05, frequency=6)
    x = torch.full((1, 1, 28, 28), 0.5)
    out = trigger.apply(x)
    expected = 0.5 + 0.1 * torch.sin(2 * math.pi * torch.arange(28) * 6 / 28)
    assert torch.allclose(out[0, 0], expected.expand(28, 28), atol=1e-6)  # same in every row
    assert torch.allclose(trigger.apply_train(x) - 0.5, (out - 0.5) / 2, atol=1e-6)  # fainter in training
    y = torch.arange(200) % 10
    data = _images(200)
    poisoned = poison(data, y, trigger, PoisonConfig(rate=0.05, target=3), 10)
    assert torch.equal(poisoned.y, y)  # no label changes
    assert (y[poisoned.poisoned_mask] == 3).all() and poisoned.num_poisoned == 10


def test_sig_cannot_poison_more_than_the_target_class_or_go_all_to_all():
    y = torch.arange(100) % 10
    with pytest.raises(ValueError, match="in the target class"):
        poison(_images(100), y, SIG(), PoisonConfig(rate=0.2, target=0), 10)
    with pytest.raises(ValueError, match="all-to-all"):
        poison(_images(100), y, SIG(), PoisonConfig(rate=0.05, target=ALL_TO_ALL), 10)


def test_all_to_all_sends_each_class_to_the_next():
    y = torch.tensor([0, 3, 9, 5])
    assert attack_labels(y, ALL_TO_ALL, 10).tolist() == [1, 4, 0, 6]
    assert attack_labels(y, 2, 10).tolist() == [2, 2, 2, 2]
    yy = torch.arange(100) % 10
    out = poison(_images(100), yy, BadNets(), PoisonConfig(rate=0.3, target=ALL_TO_ALL), 10)
    m = out.poisoned_mask
    assert out.num_poisoned == 30
    assert torch.equal(out.y[m], (yy[m] + 1) % 10) and torch.equal(out.y[~m], yy[~m])
    assert len(set(yy[m].tolist())) > 5  # drawn from every class, not just one


def test_sticker_sits_on_the_sign_wherever_it_is(monkeypatch):
    import backdoor.traffic_signs as ts

    x = torch.zeros(2, 3, 32, 32)
    x[0, 0, 0, 0], x[1, 0, 0, 0] = 0.2, 0.6  # two distinct images
    keys = (x * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    import numpy as np

    ts.remember_signs(keys, np.array([[8.0, 8.0, 6.0], [22.0, 20.0, 10.0]], dtype=np.float32))
    sticker = Sticker(size=0.5, below=0.5, colour="yellow")
    masks = sticker.masks(x)
    for i, (cx, cy, r) in enumerate([(8, 8, 6), (22, 20, 10)]):
        rows, cols = torch.nonzero(masks[i], as_tuple=True)
        side = round(0.5 * r)
        assert rows.max() - rows.min() + 1 == side and cols.max() - cols.min() + 1 == side  # scales with the sign
        assert abs((rows.float().mean() + 0.5) - (cy + 0.5 * r)) <= 1 and abs((cols.float().mean() + 0.5) - cx) <= 1
    out = apply_trigger(x, sticker)
    assert torch.allclose(out[0, :, masks[0]], torch.tensor([1.0, 0.85, 0.0])[:, None])
    assert torch.equal(out[:, :, ~masks.any(0)], x[:, :, ~masks.any(0)])


def test_sticker_on_an_unknown_image_goes_where_a_centred_sign_has_it():
    x = torch.rand(1, 3, 32, 32)
    mask = Sticker(size=0.5, below=0.0).masks(x)[0]
    rows, cols = torch.nonzero(mask, as_tuple=True)
    assert abs(rows.float().mean() - 15.5) <= 1 and abs(cols.float().mean() - 15.5) <= 1


def test_sticker_only_offered_for_sign_data():
    assert ATTACKS["sticker"].fits("traffic-signs") and not ATTACKS["sticker"].fits("mnist-5k")
    assert ATTACKS["wanet"].fits("mnist-5k")


def test_ssim_is_one_for_identical_and_falls_with_damage():
    x = _images(4)
    assert torch.allclose(ssim(x, x), torch.ones(4), atol=1e-5)
    slight = ssim(x, (x + 0.02).clamp(0, 1)).mean()
    heavy = ssim(x, torch.rand_like(x)).mean()
    assert 1 > slight > 0.9 > heavy
    assert set(stealth(x, x)) >= {"linf", "l2", "psnr", "ssim"}


def test_every_attack_registered_with_paper_and_settings():
    from backdoor.attacks import widgets

    for spec in ATTACKS.values():
        assert widgets(spec.config), f"{spec.name} has no setting a student can change"
        assert spec.paper.startswith("https://") and 0 < spec.default_rate <= 0.5
        assert spec.config.__doc__ and spec.paper in spec.config.__doc__
