"""WaNet: a small, smooth warp of the whole image, and its noise-mode covers."""

import torch

from backdoor.attacks import PoisonConfig, WaNet, apply_trigger, poison


def _images(n=6, c=1, h=28, w=28, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


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
