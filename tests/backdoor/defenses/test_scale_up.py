"""SCALE-UP: the scaled prediction consistency, its threshold and the monitor's rates."""

import pytest
import torch
from torch import nn

from backdoor.defenses.scale_up import (DEFENSE, ScaleUpConfig, ScaleUpResult, refused_share, run, scale_up,
                                        scaled_consistency, threshold_for)
from backdoor.defenses.lab import Lab


class BrightCorner(nn.Module):
    """Two classes: class 1 when the top-left pixel is brighter than 0.5, else class 0."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(10.0))

    def forward(self, x):
        d = self.scale * (x[:, 0, 0, 0] - 0.5)
        return torch.stack([torch.zeros_like(d), d], dim=1)


def pixels(*values) -> torch.Tensor:
    """2x2 grey images whose top-left pixel is each value (the rest black)."""
    x = torch.zeros(len(values), 1, 2, 2)
    x[:, 0, 0, 0] = torch.tensor(values)
    return x


def test_spc_is_the_share_of_the_eleven_scalings_that_keep_the_answer():
    model = BrightCorner().train()
    calls = []
    got = scaled_consistency(model, pixels(0.3, 0.12, 0.6, 0.0), ScaleUpConfig(batch_size=22),
                             lambda *c: calls.append(c))
    # 0.3: class 0 at n = 1, then 0.6, 0.9, 1 (clipped) ... are class 1: 1 of 11 scalings agree
    # 0.12: 0.12, 0.24, 0.36, 0.48 stay class 0, 0.6 onwards is class 1: 4 of 11
    # 0.6: class 1 at every scale; 0 (black): class 0 at every scale: 11 of 11
    assert got.tolist() == pytest.approx([1 / 11, 4 / 11, 1.0, 1.0])
    assert model.training  # the caller's model is left as it was
    # 22 scaled images per pass, 11 per input: two inputs at a time
    assert calls == [(2, 4, "SCALE-UP: 2/4 inputs amplified 11 ways"), (4, 4, "SCALE-UP: 4/4 inputs amplified 11 ways")]


def test_spc_with_fewer_scalings_and_in_any_batch_size():
    x = pixels(0.3, 0.12, 0.6)
    three = scaled_consistency(BrightCorner(), x, ScaleUpConfig(scales=3))
    # n = 1, 2, 3: 0.3 -> 0, 0.6, 0.9 (1 of 3); 0.12 -> 0.12, 0.24, 0.36 (3 of 3); 0.6 (3 of 3)
    assert three.tolist() == pytest.approx([1 / 3, 1.0, 1.0])
    one_at_a_time = scaled_consistency(BrightCorner(), x, ScaleUpConfig(scales=3, batch_size=1))
    assert torch.equal(three, one_at_a_time)
    assert scaled_consistency(BrightCorner(), torch.zeros(0, 1, 2, 2)).shape == (0,)


def test_the_threshold_refuses_at_most_the_allowed_share_of_clean_images():
    clean = torch.tensor([0.1, 0.5, 0.5, 1.0, 1.0])
    # above 0.1: 4 of 5 (80%); above 0.5: 2 of 5 (40%); above 1.0: none
    assert threshold_for(clean, 0.0) == 1.0
    assert threshold_for(clean, 0.2) == 1.0  # 40% would be too many: ties at 1.0 are never split
    assert threshold_for(clean, 0.4) == 0.5
    assert threshold_for(clean, 0.79) == 0.5
    assert threshold_for(clean, 0.8) == pytest.approx(0.1)
    assert threshold_for(clean, 1.0) == pytest.approx(0.1)
    gen = torch.Generator().manual_seed(0)
    for frr in (0.0, 0.01, 0.05, 0.2, 0.5):
        scores = torch.randint(1, 12, (300,), generator=gen) / 11
        assert refused_share(scores, threshold_for(scores, frr)) <= frr


def test_inputs_above_the_threshold_are_refused_and_at_it_served():
    spc = torch.tensor([0.5, 0.6, 1.0, 1.0])
    assert refused_share(spc, 0.6) == 0.5
    assert refused_share(spc, 1.0) == 0.0
    assert refused_share(spc, 0.4) == 1.0
    assert refused_share(torch.zeros(0), 0.5) != refused_share(torch.zeros(0), 0.5)  # NaN: no inputs, no rate


def test_threshold_needs_a_rate_in_range_and_clean_images():
    with pytest.raises(ValueError, match="^The false-rejection rate must be between 0 and 1.$"):
        threshold_for(torch.tensor([0.5]), 1.01)
    with pytest.raises(ValueError, match="^Setting the threshold needs at least one clean image.$"):
        threshold_for(torch.zeros(0), 0.05)


def test_scale_up_config_is_checked_and_follows_the_paper_by_default():
    config = ScaleUpConfig()
    assert (config.scales, config.frr) == (11, 0.05)
    assert DEFENSE.runs_per_request(config) == 11 and DEFENSE.settings == {"frr": "frr"}
    for bad, message in [({"scales": 1}, "Amplify each input at least once (scales of 2 or more)."),
                         ({"frr": -0.01}, "The false-rejection rate must be between 0 and 1."),
                         ({"batch_size": 0}, "The batch size must be at least 1.")]:
        with pytest.raises(ValueError) as error:
            ScaleUpConfig(**bad)
        assert str(error.value) == message


def test_scale_up_sets_the_threshold_on_the_defenders_images_and_measures_the_held_out_ones():
    defender = pixels(0.3, 0.12, 0.12, 0.6)  # SPC 1/11, 4/11, 4/11, 1
    clean, triggered = pixels(0.3, 0.6), pixels(0.7, 0.12, 0.9)  # 1/11, 1; and 1, 4/11, 1
    calls = []
    result = scale_up(BrightCorner(), defender, clean, triggered, ScaleUpConfig(frr=0.25), lambda *c: calls.append(c))
    # at most 1 of the 4 defender's images above: the threshold is 4/11 (only the 1.0 lies above it)
    assert result.threshold == pytest.approx(4 / 11)
    assert (result.refused, result.caught) == pytest.approx((0.5, 2 / 3))
    assert result.rates_at(1.0) == (0.0, 0.0)
    assert result.caught_at_frr(0.5) == pytest.approx(2 / 3) and result.caught_at_frr(0.0) == 0.0
    assert calls[-1] == (9, 9, "triggered test: SCALE-UP: 3/3 inputs amplified 11 ways")


def _lab(model: nn.Module) -> Lab:
    """2x2 pictures; a one-pixel white patch in the bottom-right corner is the trigger (target class 1).
    BrightCorner ignores that corner, so it plays a model with no backdoor."""
    from backdoor.attacks import BadNets, PoisonConfig, Poisoned
    from backdoor.datasets.base import Dataset
    from backdoor.scenario import Scenario

    x_train, y_train = pixels(0.0, 0.6), torch.tensor([0, 1])
    x_test = torch.cat([pixels(0.3, 0.12, 0.12, 0.6), pixels(0.3, 0.6, 0.12, 0.0)])  # defender's half, held out
    y_test = torch.tensor([0, 0, 0, 1, 0, 1, 0, 0])
    dataset = Dataset("pixels", x_train, y_train, x_test, y_test, ("a", "b"), "hand-made")
    scenario = Scenario(trigger=BadNets(size=1, margin=0, pattern="solid"), poison=PoisonConfig(target=1))
    return Lab(dataset, scenario, model, "bright-corner", Poisoned(x_train, y_train, torch.zeros(2, dtype=torch.bool)))


def test_scale_up_as_a_monitor_serves_only_inputs_at_or_below_the_threshold():
    outcome = run(_lab(BrightCorner()), ScaleUpConfig(frr=0.25), lambda *c: None)
    # held out: 0.3 (SPC 1/11, class 0, right), 0.6 (1, refused), 0.12 (4/11, right), 0.0 (1, refused)
    assert outcome.refused == 0.5
    # the triggered copies of the three class-0 images keep their answer (class 0): none hijacked
    assert (outcome.after.clean_acc, outcome.after.asr) == pytest.approx((0.5, 0.0))
    assert outcome.detail == "refuses 33% of triggered inputs and 50% of clean ones"
    # at 1% or 5% allowed even one refused defender image in four is too many: the threshold is 1, nothing caught
    assert outcome.figures == {"caught_at_1pct_frr": 0.0, "caught_at_5pct_frr": 0.0}


def test_the_estimate_is_a_monitors_screening_at_scale_ups_own_measured_cost():
    from backdoor import timing
    from backdoor.defenses.monitor import screening_estimate
    from backdoor.defenses.scale_up import estimate
    from backdoor.estimates import DataShape
    from backdoor.scenario import Scenario

    shape = DataShape("tiny", train=20, test=10, image_shape=(1, 5, 5), num_classes=2)
    rig = timing.Rig("small-cnn", (1, 5, 5), 2, "cpu")
    timing.MEASURED.get(("scale_up", rig, 4, 64), lambda: 0.02)  # 4 scalings, as if measured on this rig
    timing.MEASURED.get(("inference", rig), lambda: 0.001)
    timing.MEASURED.get(("stamp", Scenario().trigger, (1, 5, 5)), lambda: 0.0001)
    with timing.measured_only():
        assert estimate(shape, Scenario(), "cpu", ScaleUpConfig(scales=4, batch_size=64)) == pytest.approx(
            screening_estimate(shape, Scenario(), "cpu", 0.02))


def test_on_a_real_badnets_model_triggered_inputs_keep_their_answer_at_every_scale(trained_pair, small_mnist):
    scenario, backdoored, _ = trained_pair
    x, y = small_mnist.x_test, small_mnist.y_test
    triggered = scenario.stamp(x[y != scenario.target])
    spc = scaled_consistency(backdoored.model, triggered)
    assert (spc == 1.0).float().mean() > 0.9  # the paper's premise holds: the patch survives amplification
    result = scale_up(backdoored.model, x[:150], x[150:], triggered)
    assert result.refused <= 0.1  # the threshold spares honest inputs...
    # ...but on white-on-black digits most honest inputs are scale-stable too (RESULTS.md): the
    # monitor can catch at most the triggered inputs scoring above the clean ones it must serve
    assert result.caught == refused_share(spc, result.threshold)
