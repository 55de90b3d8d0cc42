"""Property-based tests (hypothesis) of the trigger and poisoning functions: for any
settings and any images, the invariants the rest of the lab relies on."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from backdoor.attacks import (ALL_TO_ALL, COLOURS, CORNERS, PATTERNS, SIG, BadNets, Blended, PoisonConfig, WaNet,
                              apply_trigger, poison, poison_count)

SETTINGS = settings(max_examples=40, deadline=None)

shapes = st.sampled_from([(1, 28, 28), (3, 32, 32), (1, 16, 20)])

badnets = st.builds(BadNets, size=st.integers(1, 6), position=st.sampled_from(CORNERS),
                    colour=st.sampled_from(list(COLOURS)), pattern=st.sampled_from(PATTERNS),
                    margin=st.integers(0, 2), pattern_seed=st.integers(0, 100))
blended = st.builds(Blended, alpha=st.floats(0.01, 0.9), pattern=st.sampled_from(["noise", "stripes"]),
                    pattern_seed=st.integers(0, 100))
wanet = st.builds(WaNet, grid=st.integers(2, 8), strength=st.floats(0.25, 3.0), cover_ratio=st.floats(0.0, 2.0))
sig = st.builds(SIG, delta=st.floats(0.05, 0.9), train_delta=st.floats(0.05, 0.9), frequency=st.integers(1, 10))
triggers = st.one_of(badnets, blended, wanet, sig)


@st.composite
def batches(draw, shape=None):
    c, h, w = draw(shapes) if shape is None else shape
    n = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 10_000))
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


@SETTINGS
@given(trigger=triggers, x=batches())
def test_a_trigger_keeps_shape_and_range_and_never_touches_its_input(trigger, x):
    original = x.clone()
    out = apply_trigger(x, trigger)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert 0.0 <= float(out.min()) and float(out.max()) <= 1.0
    assert torch.equal(x, original)
    assert torch.equal(out, apply_trigger(x, trigger))  # a fixed trigger: the same every time
    footprint = trigger.footprint(x)
    assert footprint.shape[-2:] == x.shape[-2:] and footprint.dtype == torch.bool


@SETTINGS
@given(trigger=badnets, x=batches(shape=(1, 28, 28)))
def test_badnets_changes_only_its_patch_and_is_idempotent(trigger, x):
    out = apply_trigger(x, trigger)
    outside = ~trigger.footprint(x)
    assert torch.equal(out[..., outside], x[..., outside])
    assert torch.equal(apply_trigger(out, trigger), out)  # stamping twice is stamping once
    assert int(trigger.footprint(x).sum()) == trigger.size**2


@SETTINGS
@given(trigger=blended, x=batches())
def test_blending_moves_no_pixel_further_than_alpha(trigger, x):
    assert float((apply_trigger(x, trigger) - x).abs().max()) <= trigger.alpha + 1e-6


@st.composite
def labelled_sets(draw):
    n = draw(st.integers(20, 120))
    num_classes = draw(st.integers(2, 10))
    seed = draw(st.integers(0, 10_000))
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 16, 16, generator=gen)
    y = torch.randint(0, num_classes, (n,), generator=gen)
    return x, y, num_classes


@SETTINGS
@given(data=labelled_sets(), trigger=st.one_of(badnets, blended, wanet), rate=st.floats(0.0, 0.5),
       target=st.integers(-1, 9), seed=st.integers(0, 1000))
def test_poisoning_invariants_for_any_settings(data, trigger, rate, target, seed):
    x, y, k = data
    target = ALL_TO_ALL if target == ALL_TO_ALL else target % k
    config = PoisonConfig(rate=rate, target=target, seed=seed)
    x_in, y_in = x.clone(), y.clone()
    try:
        out = poison(x, y, trigger, config, k)
    except ValueError as error:  # only when there are not enough images to poison, and it says so
        assert "Cannot poison" in str(error)
        assert poison_count(len(y), rate) > int((y != target).sum())
        return
    assert torch.equal(x, x_in) and torch.equal(y, y_in)  # inputs untouched
    mask = out.poisoned_mask
    assert out.num_poisoned == poison_count(len(y), rate)
    goal = (y + 1) % k if target == ALL_TO_ALL else torch.full_like(y, target)
    assert torch.equal(out.y[mask], goal[mask])  # every poisoned label points where the attacker wants
    assert torch.equal(out.y[~mask], y[~mask])  # and no other label changed
    if target != ALL_TO_ALL:
        assert not bool((y[mask] == target).any())  # nothing already in the target class is "poisoned"
    altered = mask if out.cover_mask is None else mask | out.cover_mask
    assert torch.equal(out.x[~altered], x[~altered])  # untouched images stay bitwise identical
    assert torch.equal(out.x[mask], trigger.apply_train(x[mask]).clamp(0, 1))  # the trigger, nothing else
    again = poison(x, y, trigger, config, k)
    assert torch.equal(again.x, out.x) and torch.equal(again.poisoned_mask, mask)  # seeded


@SETTINGS
@given(data=labelled_sets(), rate=st.floats(0.0, 0.2), seed=st.integers(0, 1000))
def test_clean_label_poison_keeps_every_label_and_stays_in_the_target_class(data, rate, seed):
    x, y, k = data
    target = int(y[0])
    try:
        out = poison(x, y, SIG(), PoisonConfig(rate=rate, target=target, seed=seed), k)
    except ValueError as error:
        assert "only" in str(error) and "in the target class" in str(error)
        return
    assert torch.equal(out.y, y)
    assert bool((y[out.poisoned_mask] == target).all())
