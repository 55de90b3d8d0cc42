"""Poisoning: exactly round(rate x N) seeded samples, relabelled as the attack says."""

import pytest
import torch

from backdoor.attacks import (
    ALL_TO_ALL, BadNets, PoisonConfig, apply_trigger, attack_labels, poison, poison_count,
)


def _images(n=6, c=1, h=28, w=28, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


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


def test_poison_count_rounds_where_truncation_would_differ():
    # 2.5% of 60 images is 1.5: two are poisoned (truncating would poison one); 10% of 29 is 2.9: three
    assert poison_count(60, 0.025) == 2
    assert poison_count(29, 0.1) == 3
    assert poison_count(1000, 0.0004) == 0  # 0.4 of an image: none
    out = poison(_images(60), torch.arange(60) % 10, BadNets(), PoisonConfig(rate=0.025, target=0, seed=0), 10)
    assert out.num_poisoned == 2 == int(out.poisoned_mask.sum())


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
