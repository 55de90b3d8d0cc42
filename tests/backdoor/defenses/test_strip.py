"""STRIP: entropies of blended predictions, the threshold and its rates."""

import math

import pytest
import torch
from torch import nn

from backdoor.defenses.lab import Lab
from backdoor.defenses.strip import StripConfig, StripResult, strip, strip_entropy, superimpose
from elsewhere import Elsewhere


class FixedLogits(nn.Module):
    """Ignores its input and answers the same logits for every image."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.logits = nn.Parameter(logits.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(len(x), -1)


def same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def snapshot(model: nn.Module) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.fixture(scope="module")
def strip_sets(small_mnist, trained_pair):
    """The pool is clean training digits; the rest are clean test digits and their stamped copies."""
    scenario, _, _ = trained_pair
    x, y = small_mnist.x_test, small_mnist.y_test
    pool = small_mnist.x_train[:300]
    holdout, clean = x[:150], x[150:]
    triggered = scenario.stamp(clean[y[150:] != scenario.target])
    return pool, holdout, clean, triggered


def test_a_certain_model_has_zero_entropy_and_a_uniform_one_log_k():
    gen = torch.Generator().manual_seed(0)
    x, pool = torch.rand(7, 1, 28, 28, generator=gen), torch.rand(20, 1, 28, 28, generator=gen)
    certain = FixedLogits(torch.tensor([0.0, 200.0, 0.0, 0.0]))
    uniform = FixedLogits(torch.zeros(5))
    assert torch.allclose(strip_entropy(certain, x, pool), torch.zeros(7), atol=1e-6)
    assert torch.allclose(strip_entropy(uniform, x, pool), torch.full((7,), math.log(5)), atol=1e-6)


def test_the_blends_follow_the_formula():
    x, overlay = torch.tensor([0.2, 0.7, 1.0]), torch.tensor([0.3, 0.6, 0.0])
    assert torch.allclose(superimpose(x, overlay, "add"), torch.tensor([0.5, 1.0, 1.0]))
    assert torch.allclose(superimpose(x, overlay, "average"), torch.tensor([0.25, 0.65, 0.5]))


def test_threshold_and_rates_on_hand_made_entropies():
    result = StripResult(
        holdout_entropy=torch.arange(1, 11) / 10,  # 0.1 .. 1.0
        clean_entropy=torch.tensor([0.05, 0.5, 0.6, 0.9]),
        triggered_entropy=torch.tensor([0.01, 0.02, 0.25, 0.3, 0.7]),
        threshold=0.28,
        frr=0.25,
        far=0.4,
    )
    # 20% quantile of 0.1..1.0, interpolated: 0.2 + 0.8 * 0.1
    assert result.threshold_for(0.2) == pytest.approx(0.28)
    assert result.threshold_for(0.0) == pytest.approx(0.1)
    assert result.threshold_for(1.0) == pytest.approx(1.0)
    assert result.rates_at(0.28) == pytest.approx((0.25, 0.4))
    assert result.rates_at(0.0) == (0.0, 1.0)
    assert result.rates_at(2.0) == (1.0, 0.0)
    assert result.tpr_at_frr(0.2) == pytest.approx(0.6)  # 0.01, 0.02 and 0.25 fall below 0.28
    # A higher FRR never rejects fewer triggered inputs.
    tprs = [result.tpr_at_frr(f) for f in (0.0, 0.1, 0.3, 0.6, 1.0)]
    assert tprs == sorted(tprs)
    with pytest.raises(ValueError):
        result.threshold_for(1.5)


def test_an_input_exactly_at_the_threshold_is_served_not_rejected():
    holdout = torch.tensor([0.5, 0.1, 0.3, 0.2, 0.4])
    result = StripResult(holdout_entropy=holdout, clean_entropy=holdout.clone(),
                         triggered_entropy=torch.tensor([0.05, 0.1, 0.3]), threshold=0.1, frr=0.0, far=2 / 3)
    # FRR 0: the threshold is the lowest held-out entropy, 0.1, and no clean input lies below it
    assert result.threshold_for(0.0) == pytest.approx(0.1)
    assert result.rates_at(result.threshold_for(0.0)) == pytest.approx((0.0, 2 / 3))  # only 0.05 rejected
    # FRR 25%: position 0.25 * (5 - 1) = 1 of the sorted entropies, exactly 0.2; of the five clean
    # inputs only 0.1 lies below it (1 in 5), and of the triggered ones 0.05 and 0.1 (2 in 3)
    assert result.threshold_for(0.25) == pytest.approx(0.2)
    assert result.rates_at(result.threshold_for(0.25)) == pytest.approx((0.2, 1 / 3))
    assert result.tpr_at_frr(0.25) == pytest.approx(2 / 3)
    assert result.tpr_at_frr(0.0) == pytest.approx(1 / 3)


def test_strip_separates_triggered_from_clean_inputs(trained_pair, strip_sets):
    _, backdoored, _ = trained_pair
    model = backdoored.model
    before = snapshot(model)
    inputs = [t.clone() for t in strip_sets]
    calls = []
    result = strip(model, *strip_sets, on_progress=lambda d, t, i: calls.append((d, t)))
    assert same_state(before, model.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(inputs, strip_sets))
    assert result.triggered_entropy.mean() < 0.25 * result.clean_entropy.mean()
    assert result.tpr_at_frr(0.05) > 0.9
    assert result.threshold == pytest.approx(result.threshold_for(0.05))
    assert (result.frr, result.far) == result.rates_at(result.threshold)
    assert result.frr < 0.15 and result.far < 0.1
    total = sum(len(s) for s in strip_sets[1:])
    assert calls[-1] == (total, total) and [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_strip_is_seeded_and_independent_of_the_batch_size(trained_pair, strip_sets):
    model = trained_pair[1].model
    pool, x = strip_sets[0], strip_sets[2][:20]
    a = strip_entropy(model, x, pool, StripConfig(overlays=6, seed=1))
    b = strip_entropy(model, x, pool, StripConfig(overlays=6, seed=1, batch_size=25))
    c = strip_entropy(model, x, pool, StripConfig(overlays=6, seed=2))
    assert a.shape == (20,)
    assert torch.allclose(a, b, atol=1e-5)
    assert not torch.allclose(a, c)


def test_strip_config_is_checked():
    with pytest.raises(ValueError):
        StripConfig(overlays=0)
    with pytest.raises(ValueError):
        StripConfig(frr=1.5)
    with pytest.raises(ValueError):
        StripConfig(blend="multiply")


class CornerGap(nn.Module):
    """Two classes, logits (0, d) with d = 10 x (bottom-right pixel - top-left pixel). With p the
    class-1 probability, the entropy H(d) = ln(1 + e^d) - d p: H(0) = ln 2 = 0.6931, H(1) = 0.5822,
    H(2) = 0.3653, H(3) = 0.1909, H(4) = 0.0901, H(6) = 0.0173, H(9) = 0.0012, H(10) = 0.0005."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(10.0))

    def forward(self, x):
        d = self.scale * (x[:, 0, -1, -1] - x[:, 0, 0, 0])
        return torch.stack([torch.zeros_like(d), d], dim=1)


def H(d: float) -> float:
    return math.log(1 + math.exp(d)) - d / (1 + math.exp(-d))


def corners(*pairs) -> torch.Tensor:
    """3x3 grey images, black but for (bottom-right, top-left) pixel values."""
    x = torch.zeros(len(pairs), 1, 3, 3)
    for i, (br, tl) in enumerate(pairs):
        x[i, 0, 2, 2], x[i, 0, 0, 0] = br, tl
    return x


def test_strip_blends_each_input_with_ten_clean_images_added_and_rejects_five_percent_by_default():
    config = StripConfig()
    assert (config.overlays, config.frr, config.blend) == (10, 0.05, "add")


def test_strip_config_accepts_its_bounds_and_refuses_beyond_them():
    assert StripConfig(overlays=1, frr=0.0, batch_size=1).overlays == 1
    assert StripConfig(frr=1.0, blend="average").frr == 1.0
    for bad, message in [({"overlays": 0}, "Blend each input with at least one clean image."),
                         ({"frr": -0.01}, "The false-rejection rate must be between 0 and 1."),
                         ({"frr": 1.01}, "The false-rejection rate must be between 0 and 1."),
                         ({"blend": "multiply"}, "blend must be one of ('add', 'average')"),
                         ({"batch_size": 0}, "The batch size must be at least 1.")]:
        with pytest.raises(ValueError) as error:
            StripConfig(**bad)
        assert str(error.value) == message


def test_adding_clips_to_the_unit_range_and_is_the_default():
    x, overlay = torch.tensor([-0.5, 0.1, 0.8]), torch.tensor([0.2, 0.3, 0.4])
    assert torch.allclose(superimpose(x, overlay), torch.tensor([0.0, 0.4, 1.0]))


def test_entropy_per_input_on_a_black_pool_is_the_entropy_of_the_input_itself():
    model = CornerGap().train()
    x = corners((0.0, 0.0), (0.1, 0.0), (0.0, 0.3), (0.6, 0.0))
    pool = torch.zeros(1, 1, 3, 3)
    calls = []
    got = strip_entropy(model, x, pool, StripConfig(overlays=3, batch_size=6), lambda *a: calls.append(a))
    # adding black changes nothing: d = 0, 1, -3, 6 on every one of the three blends
    assert got.tolist() == pytest.approx([H(0), H(1), H(3), H(6)], abs=1e-5)
    assert model.training  # the caller's model is left as it was
    # 6 blends per pass, 3 per input: two inputs at a time
    assert calls == [(2, 4, "STRIP: 2/4 inputs blended 3 times"), (4, 4, "STRIP: 4/4 inputs blended 3 times")]
    # averaging halves the input: d = 0, 0.5, -1.5, 3
    got = strip_entropy(model, x, pool, StripConfig(overlays=2, blend="average"))
    assert got.tolist() == pytest.approx([H(0), H(0.5), H(1.5), H(3)], abs=1e-5)


def test_entropy_is_the_mean_over_the_seeded_blends_in_any_batch_size():
    model = CornerGap()
    x = corners(*[(0.0, 0.0)] * 6)
    # a blend with the black pool image keeps d = 0 (entropy ln 2); one with the pool image whose
    # bottom-right pixel is white has d = 10 (entropy H(10) = 0.0005)
    pool = torch.cat([corners((0.0, 0.0)), corners((1.0, 0.0))])
    a = strip_entropy(model, x, pool, StripConfig(overlays=8, seed=1))
    calls = []
    b = strip_entropy(model, x, pool, StripConfig(overlays=8, seed=1, batch_size=1), lambda *c: calls.append(c[0]))
    c = strip_entropy(model, x, pool, StripConfig(overlays=8, seed=2))
    assert calls == [1, 2, 3, 4, 5, 6]  # fewer blends per pass than overlays: one input at a time
    assert torch.equal(a, b) and not torch.equal(a, c)
    # each input: j of its 8 blends with black, so its entropy is (j ln 2 + (8 - j) H(10)) / 8
    j = (8 * a - 8 * H(10)) / (math.log(2) - H(10))
    assert torch.allclose(j, j.round(), atol=1e-3) and ((j >= 0) & (j <= 8)).all()
    assert len(set(j.round().tolist())) > 1


def test_entropy_needs_a_pool_and_of_no_inputs_is_empty():
    with pytest.raises(ValueError, match="^STRIP needs a pool of clean images to blend with.$"):
        strip_entropy(CornerGap(), corners((0.0, 0.0)), torch.zeros(0, 1, 3, 3))
    assert strip_entropy(CornerGap(), torch.zeros(0, 1, 3, 3), corners((0.0, 0.0))).shape == (0,)


def test_threshold_needs_a_rate_in_range_and_held_out_inputs():
    result = StripResult(torch.tensor([0.1, 0.2]), torch.zeros(0), torch.zeros(0), 0.1, 0.0, 0.0)
    with pytest.raises(ValueError, match="^The false-rejection rate must be between 0 and 1.$"):
        result.threshold_for(-0.01)
    assert all(math.isnan(r) for r in result.rates_at(0.15))  # no test inputs: no rates
    single = StripResult(torch.tensor([0.1, 0.2]), torch.tensor([0.1]), torch.tensor([0.3]), 0.15, 1.0, 1.0)
    assert single.rates_at(0.15) == (1.0, 1.0)  # one clean input, rejected; one triggered, accepted
    empty = StripResult(torch.zeros(0), torch.zeros(0), torch.zeros(0), 0.1, 0.0, 0.0)
    with pytest.raises(ValueError, match="^Setting the threshold needs at least one held-out clean input.$"):
        empty.threshold_for(0.5)


def test_strip_sets_the_threshold_on_the_held_out_inputs_and_measures_the_test_inputs():
    holdout = corners((0.0, 0.0), (0.2, 0.0), (0.4, 0.0), (0.6, 0.0))  # entropies H(0), H(2), H(4), H(6)
    clean = corners((0.0, 0.0), (0.3, 0.0), (0.1, 0.0))  # H(0), H(3), H(1)
    triggered = corners((1.0, 0.0), (1.0, 0.9))  # H(10), H(1)
    calls = []
    result = strip(CornerGap(), torch.zeros(1, 1, 3, 3), holdout, clean, triggered, StripConfig(overlays=1, frr=0.5),
                   lambda *c: calls.append(c))
    assert result.holdout_entropy.tolist() == pytest.approx([H(0), H(2), H(4), H(6)], abs=1e-5)
    assert result.clean_entropy.tolist() == pytest.approx([H(0), H(3), H(1)], abs=1e-5)
    assert result.triggered_entropy.tolist() == pytest.approx([H(10), H(1)], abs=1e-5)
    # the median of four: halfway between the second and third lowest, (H(4) + H(2)) / 2 = 0.2277
    assert result.threshold == pytest.approx((H(4) + H(2)) / 2, abs=1e-5)
    assert (result.frr, result.far) == pytest.approx((1 / 3, 1 / 2))  # H(3) rejected; H(1) accepted
    assert calls == [(4, 9, "held-out clean: STRIP: 4/4 inputs blended 1 times"),
                     (7, 9, "clean test: STRIP: 3/3 inputs blended 1 times"),
                     (9, 9, "triggered test: STRIP: 2/2 inputs blended 1 times")]


def _corner_lab(model: nn.Module) -> Lab:
    """A lab on 3x3 pictures, a white one-pixel patch in the bottom-right corner sending them to class 1.
    The defender's half of the test split is four black pictures: STRIP blends with them (so a blend
    leaves an input as it was) and they all have entropy H(0), the most there is; held out: d = 0, 2, 1,
    -1, 2, the last of class 0 yet answered 1."""
    from backdoor.attacks import BadNets, PoisonConfig, Poisoned
    from backdoor.datasets.base import Dataset
    from backdoor.scenario import Scenario

    x_train = torch.zeros(4, 1, 3, 3)
    x_train[1] = 1.0  # the poisoned training image: STRIP never blends with the training set
    y_train = torch.tensor([0, 1, 0, 1])
    x_test = torch.cat([corners((0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),  # the defender's half
                        corners((0.0, 0.0), (1.0, 0.8), (0.1, 0.0), (0.0, 0.1), (1.0, 0.8))])  # held out
    y_test = torch.tensor([0, 1, 0, 1, 0, 1, 1, 0, 0])
    dataset = Dataset("corners", x_train, y_train, x_test, y_test, ("a", "b"), "hand-made")
    scenario = Scenario(trigger=BadNets(size=1, margin=0, pattern="solid"), poison=PoisonConfig(target=1))
    poisoned = Poisoned(x_train, y_train, torch.tensor([False, True, False, False]))
    return Lab(dataset, scenario, model, "corner-gap", poisoned)


def test_strip_as_a_monitor_serves_only_inputs_at_or_above_the_threshold():
    from backdoor.defenses.strip import run

    calls = []
    outcome = run(_corner_lab(CornerGap()), StripConfig(overlays=1, frr=0.5), lambda *c: calls.append(c))
    assert calls[-1] == (12, 12, "triggered test: STRIP: 3/3 inputs blended 1 times")
    # the defender's four entropies are all H(0), so the threshold is H(0) itself: of the held-out clean
    # inputs only the one with d = 0 sits on it and is served (and classified right); four are refused
    assert outcome.result.threshold == pytest.approx(H(0))
    assert outcome.refused == pytest.approx(4 / 5)
    # triggered (the class-0 images, white bottom-right pixel): d = 10, 9, 2, all below: none served
    assert (outcome.after.clean_acc, outcome.after.asr) == pytest.approx((1 / 5, 0.0))
    assert outcome.detail == "rejects 100% of triggered inputs and 80% of clean ones"
    assert outcome.figures == {"tpr_at_1pct_frr": 1.0, "tpr_at_5pct_frr": 1.0}
    assert torch.allclose(outcome.result.triggered_entropy, torch.tensor([H(10), H(9), H(2)]), atol=1e-5)
    # blended with the poisoned training image (white), every blend would read d = 0: the pool is not it
    assert torch.allclose(outcome.result.clean_entropy, torch.tensor([H(0), H(2), H(1), H(1), H(2)]), atol=1e-5)
    # a stricter monitor turns honest requests away, and the outcome says how many: the share of
    # held-out clean inputs it rejected
    strict = run(_corner_lab(CornerGap()), StripConfig(overlays=1, frr=0.9), lambda *c: None)
    assert strict.refused == strict.result.frr > 0.0


def test_the_monitor_classifies_on_the_models_own_device():
    from backdoor.defenses.strip import run

    model = Elsewhere()
    run(_corner_lab(model), StripConfig(overlays=1), lambda *c: None)
    assert model.devices == ["meta", "meta"]  # the held-out clean images, then the triggered ones


def test_the_estimate_screens_every_input_then_evaluates_the_held_out_half():
    from backdoor import timing
    from backdoor.defenses.strip import estimate
    from backdoor.estimates import DataShape
    from backdoor.scenario import Scenario

    shape = DataShape("tiny", train=20, test=10, image_shape=(1, 5, 5), num_classes=2)
    scenario = Scenario()  # small-cnn, BadNets, target 0
    rig = timing.Rig("small-cnn", (1, 5, 5), 2, "cpu")
    # unit costs taken as already measured on this (made-up) rig
    timing.MEASURED.get(("strip", rig, 3, 64), lambda: 0.01)
    timing.MEASURED.get(("inference", rig), lambda: 0.001)
    timing.MEASURED.get(("stamp", scenario.trigger, (1, 5, 5)), lambda: 0.0001)
    with timing.measured_only():
        seconds = estimate(shape, scenario, "cpu", StripConfig(overlays=3, batch_size=64))
    # screened: 5 defender + 5 held-out + 2.5 triggered (half of 5 lie outside the target) at 0.01 s = 0.125;
    # then 5 held-out images classified (0.005) and 2.5 stamped and classified (2.5 x 0.0011 = 0.00275)
    assert seconds == pytest.approx(0.125 + 0.005 + 0.00275)
    # all-to-all: every held-out image is one the attack tries to move, 5 rather than 2.5
    from backdoor.attacks import ALL_TO_ALL, PoisonConfig

    everywhere = Scenario(poison=PoisonConfig(target=ALL_TO_ALL))
    with timing.measured_only():
        seconds = estimate(shape, everywhere, "cpu", StripConfig(overlays=3, batch_size=64))
    assert seconds == pytest.approx(15 * 0.01 + 0.005 + 5 * 0.0011)


def test_screening_with_more_overlays_is_measured_as_costing_more():
    from backdoor import timing
    from backdoor.defenses.strip import screening_seconds

    rig = timing.Rig("small-cnn", (1, 4, 4), 3)  # 4x4 pictures: quick to measure
    few, many = screening_seconds(rig, 1, 512), screening_seconds(rig, 16, 512)
    assert 0 < few < many  # sixteen blends per input against one
