"""Blended: the pattern is mixed into every pixel with opacity alpha."""

import torch

from backdoor.attacks import Blended, apply_trigger


def test_blended_mixes_with_alpha_everywhere():
    x = torch.rand(3, 1, 10, 10)
    trigger = Blended(alpha=0.2)
    key = trigger.key_pattern(1, 10, 10)
    assert torch.allclose(apply_trigger(x, trigger), 0.8 * x + 0.2 * key)
    footprint = trigger.footprint(x)
    assert footprint.shape == (10, 10) and footprint.sum() >= 10
