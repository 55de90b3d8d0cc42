"""SIG: a horizontal sinusoid on target-class images only, every label kept."""

import math

import pytest
import torch

from backdoor.attacks import ALL_TO_ALL, PoisonConfig, SIG, poison


def _images(n=6, c=1, h=28, w=28, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


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
