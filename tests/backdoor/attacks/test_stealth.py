"""Stealth figures: L-infinity, L2, PSNR and SSIM follow their formulas."""

import math

import pytest
import torch

from backdoor.attacks import ssim, stealth, unchanged


def _images(n=6, c=1, h=28, w=28, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


def test_stealth_figures_match_their_formulas():
    clean = torch.zeros(2, 1, 4, 4)
    triggered = clean.clone()
    triggered[:, :, 0, 0] = 0.5  # one pixel of 16 moved by 0.5
    figures = stealth(clean, triggered)
    assert figures["linf"] == pytest.approx(0.5)
    assert figures["l2"] == pytest.approx(0.5)
    assert figures["psnr"] == pytest.approx(10 * math.log10(1 / (0.25 / 16)))
    assert stealth(clean, clean)["psnr"] == math.inf
    assert figures["unchanged"] == 0


def test_images_the_trigger_leaves_as_they_were_are_counted_apart_not_averaged_into_infinity():
    clean = torch.zeros(4, 1, 4, 4)
    triggered = clean.clone()
    triggered[:2, :, 0, 0] = 0.5  # two images changed, two left exactly as they were (black ink on black)
    assert unchanged(clean, triggered).tolist() == [False, False, True, True]
    figures = stealth(clean, triggered)
    assert figures["unchanged"] == 0.5
    assert figures["psnr"] == pytest.approx(10 * math.log10(1 / (0.25 / 16)))  # the changed ones' figure
    assert figures["linf"] == pytest.approx(0.5) and figures["l2"] == pytest.approx(0.5)
    assert figures["ssim"] < 1
    nothing = stealth(clean, clean)
    assert nothing == {"linf": 0.0, "l2": 0.0, "psnr": math.inf, "ssim": 1.0, "unchanged": 1.0}


def test_ssim_is_one_for_identical_and_falls_with_damage():
    x = _images(4)
    assert torch.allclose(ssim(x, x), torch.ones(4), atol=1e-5)
    slight = ssim(x, (x + 0.02).clamp(0, 1)).mean()
    heavy = ssim(x, _images(4, seed=1)).mean()  # seeded apart: the global generator may sit on x's own seed
    assert 1 > slight > 0.9 > heavy
    assert set(stealth(x, x)) >= {"linf", "l2", "psnr", "ssim"}
