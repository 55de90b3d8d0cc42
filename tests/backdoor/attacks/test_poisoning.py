"""Poisoning: exactly round(rate x N) seeded samples, relabelled as the attack says."""

import pytest
import torch

from backdoor.attacks import (
    ALL_TO_ALL, BadNets, PoisonConfig, Poisoned, TriggerDefaults, apply_trigger, attack_labels, poison, poison_count,
)
from backdoor.attacks.poisoning import attackable, poisonable


def _images(n=6, c=1, h=28, w=28, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


def test_poison_count_labels_and_mask_are_exact():
    config = PoisonConfig(rate=0.1, target=3, seed=0)
    x_train, y_train = _images(400), torch.arange(400) % 10
    before, labels_before = x_train.clone(), y_train.clone()
    out = poison(x_train, y_train, BadNets(), config, 10)
    assert out.num_poisoned == poison_count(400, 0.1) == 40
    assert torch.equal(x_train, before) and torch.equal(y_train, labels_before)  # the inputs are never modified
    mask = out.poisoned_mask
    assert (y_train[mask] != 3).all() and (out.y[mask] == 3).all()
    assert torch.equal(out.y[~mask], y_train[~mask])
    assert torch.equal(out.x[~mask], x_train[~mask])
    assert torch.equal(out.x[mask], apply_trigger(x_train[mask], BadNets()))


def test_poison_count_rounds_where_truncation_would_differ():
    # 2.5% of 60 images is 1.5: two are poisoned (truncating would poison one); 10% of 29 is 2.9: three
    assert poison_count(60, 0.025) == 2
    assert poison_count(29, 0.1) == 3
    assert poison_count(1000, 0.0004) == 0  # 0.4 of an image: none
    out = poison(_images(60), torch.arange(60) % 10, BadNets(), PoisonConfig(rate=0.025, target=0, seed=0), 10)
    assert out.num_poisoned == 2 == int(out.poisoned_mask.sum())


def test_poison_is_deterministic_by_seed():
    args = (_images(400), torch.arange(400) % 10, BadNets())
    a = poison(*args, PoisonConfig(rate=0.05, seed=4), 10)
    b = poison(*args, PoisonConfig(rate=0.05, seed=4), 10)
    c = poison(*args, PoisonConfig(rate=0.05, seed=5), 10)
    assert torch.equal(a.poisoned_mask, b.poisoned_mask) and torch.equal(a.x, b.x)
    assert not torch.equal(a.poisoned_mask, c.poisoned_mask)


def test_poison_rate_zero_and_bad_settings():
    x_train, y_train = _images(100), torch.arange(100) % 10
    out = poison(x_train, y_train, BadNets(), PoisonConfig(rate=0.0), 10)
    assert out.num_poisoned == 0 and torch.equal(out.x, x_train)
    with pytest.raises(ValueError, match="between 0 and 9"):
        poison(x_train, y_train, BadNets(), PoisonConfig(target=10), 10)
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


class _Stretch(TriggerDefaults):
    """A hand-made trigger: at test time 3x - 1 (out of [0, 1] at both ends, so clipping shows),
    in training 2x; with ``cover_ratio`` covers, a cover image is x + 0.7."""

    def __init__(self, clean_label=False, cover_ratio=0.0):
        self.clean_label, self.cover_ratio = clean_label, cover_ratio

    def apply(self, x):
        return 3 * x - 1

    def apply_train(self, x):
        return 2 * x

    def cover(self, x, generator):
        return x + 0.7


def _values(*v):
    """Images (N, 1, 1, 1) with the given pixel values."""
    return torch.tensor(v).view(-1, 1, 1, 1)


def test_apply_trigger_clips_to_the_unit_range():
    x = _values(0.1, 0.5, 0.9)
    assert apply_trigger(x, _Stretch()).flatten().tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert x.flatten().tolist() == pytest.approx([0.1, 0.5, 0.9])  # a new tensor


def test_poison_rate_may_be_zero_to_half_and_the_target_all_to_all():
    assert PoisonConfig(rate=0.0).rate == 0.0 and PoisonConfig(rate=0.5).rate == 0.5
    for rate in (-0.01, 0.51):
        with pytest.raises(ValueError, match="^The poison rate must be between 0% and 50%.$"):
            PoisonConfig(rate=rate)
    assert PoisonConfig(target=ALL_TO_ALL).all_to_all and not PoisonConfig(target=0).all_to_all
    with pytest.raises(ValueError, match="^The target class cannot be negative.$"):
        PoisonConfig(target=-2)


def test_which_samples_count_and_which_may_be_poisoned():
    y = torch.tensor([0, 1, 2, 1])
    assert attackable(y, 1).tolist() == [True, False, True, False]
    assert attackable(y, ALL_TO_ALL).tolist() == [True] * 4
    assert poisonable(y, _Stretch(), 1).tolist() == [True, False, True, False]
    assert poisonable(y, _Stretch(clean_label=True), 1).tolist() == [False, True, False, True]


def test_poison_stamps_the_training_trigger_clipped_and_relabels():
    x = _values(0.1, 0.2, 0.3, 0.6)
    y = torch.tensor([0, 1, 1, 1])
    out = poison(x, y, _Stretch(), PoisonConfig(rate=0.5, target=0), 2)
    # the three class-1 samples may move; 0.5 x 4 = 2 of them do, doubled (0.6 -> 1.2 clipped to 1)
    mask = out.poisoned_mask
    assert mask.dtype == torch.bool and mask.tolist()[0] is False and out.num_poisoned == 2
    expected = torch.where(mask.view(-1, 1, 1, 1), (2 * x).clamp(0, 1), x)
    assert torch.allclose(out.x, expected)
    assert out.y.tolist() == [0 if m else int(v) for m, v in zip(mask.tolist(), y.tolist())]
    assert out.cover_mask is None and out.num_cover == 0


def test_clean_label_poison_stamps_only_the_target_class_and_keeps_every_label():
    x = _values(0.1, 0.2, 0.3, 0.4)
    y = torch.tensor([0, 1, 1, 0])
    out = poison(x, y, _Stretch(clean_label=True), PoisonConfig(rate=0.5, target=1), 2)
    assert out.poisoned_mask.tolist() == [False, True, True, False]
    assert out.x.flatten().tolist() == pytest.approx([0.1, 0.4, 0.6, 0.4])
    assert torch.equal(out.y, y)
    with pytest.raises(ValueError, match="^A clean-label attack needs one target class: it cannot be all-to-all.$"):
        poison(x, y, _Stretch(clean_label=True), PoisonConfig(rate=0.25, target=ALL_TO_ALL), 2)


def test_poison_refuses_what_it_cannot_do():
    x, y = _values(0.1, 0.2, 0.3, 0.4), torch.tensor([0, 1, 1, 1])
    with pytest.raises(ValueError, match=r"^Cannot poison 2 samples: only 1 are outside the target class.$"):
        poison(x, y, _Stretch(), PoisonConfig(rate=0.5, target=1), 2)
    with pytest.raises(ValueError, match=r"^Cannot poison 2 samples: only 1 are in the target class.$"):
        poison(x, y, _Stretch(clean_label=True), PoisonConfig(rate=0.5, target=0), 2)
    with pytest.raises(ValueError, match=r"^The target class must be between 0 and 1.$"):
        poison(x, y, _Stretch(), PoisonConfig(rate=0.25, target=2), 2)
    assert poison(x, y, _Stretch(), PoisonConfig(rate=0.25, target=1), 2).num_poisoned == 1  # K - 1 is a target
    assert poison(x, y, _Stretch(), PoisonConfig(rate=0.25, target=ALL_TO_ALL), 2).num_poisoned == 1


def test_covers_are_other_samples_altered_and_clipped_keeping_their_label():
    x = torch.full((10, 1, 1, 1), 0.5)
    y = torch.tensor([0, 1] * 5)
    # 20% of 10 = 2 poisoned; 1.3 x 2 = 2.6 rounds to 3 covers (truncating would give 2)
    out = poison(x, y, _Stretch(cover_ratio=1.3), PoisonConfig(rate=0.2, target=0, seed=3), 2)
    cover = out.cover_mask
    assert out.num_poisoned == 2 and out.num_cover == 3 and cover.dtype == torch.bool
    assert not (cover & out.poisoned_mask).any()
    assert torch.equal(out.y[cover], y[cover])
    assert out.x[cover].flatten().tolist() == [1.0] * 3  # 0.5 + 0.7 clipped
    assert out.x[~cover & ~out.poisoned_mask].flatten().tolist() == [0.5] * 5
    again = poison(x, y, _Stretch(cover_ratio=1.3), PoisonConfig(rate=0.2, target=0, seed=3), 2)
    assert torch.equal(again.cover_mask, cover)  # seeded
    # never more covers than samples left: 5 poisoned, 10 x 5 = 50 covers wanted, 5 left
    out = poison(x, y, _Stretch(cover_ratio=10), PoisonConfig(rate=0.5, target=0), 2)
    assert out.num_cover == 5 and (out.cover_mask | out.poisoned_mask).all()


def test_a_poisoned_subset_keeps_images_labels_and_masks_together():
    out = poison(_values(0.1, 0.2, 0.3, 0.4), torch.tensor([0, 1, 1, 1]), _Stretch(cover_ratio=1.0),
                 PoisonConfig(rate=0.25, target=0), 2)
    keep = torch.tensor([True, False, True, True])
    part = out.subset(keep)
    assert torch.equal(part.x, out.x[keep]) and torch.equal(part.y, out.y[keep])
    assert torch.equal(part.poisoned_mask, out.poisoned_mask[keep]) and torch.equal(part.cover_mask, out.cover_mask[keep])
    plain = Poisoned(out.x, out.y, out.poisoned_mask).subset(keep)
    assert plain.cover_mask is None and plain.num_cover == 0


def test_the_default_attack_poisons_a_tenth_towards_class_zero():
    config = PoisonConfig()
    assert (config.rate, config.target, config.seed) == (0.1, 0, 0)


class _ShiftByObject(TriggerDefaults):
    """A trigger placed on each image's object: in training it adds the object's first figure."""

    uses_objects = True

    def apply_train(self, x, objects=None):
        return x + objects[:, 0].view(-1, 1, 1, 1)


def test_each_poisoned_image_gets_the_trigger_at_its_own_object():
    x, y = _values(0.1, 0.1, 0.1, 0.1), torch.tensor([0, 1, 1, 1])
    objects = torch.tensor([[0.0, 0, 0], [0.1, 0, 0], [0.2, 0, 0], [0.3, 0, 0]])
    out = poison(x, y, _ShiftByObject(), PoisonConfig(rate=0.5, target=0), 2, objects)
    mask = out.poisoned_mask
    expected = torch.where(mask, 0.1 + objects[:, 0], torch.full((4,), 0.1))
    assert out.num_poisoned == 2 and torch.allclose(out.x.flatten(), expected)
