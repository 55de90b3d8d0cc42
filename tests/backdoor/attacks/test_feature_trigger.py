"""The feature trigger sets exactly the chosen measurements, and poisons exactly as many records as asked."""

import pytest
import torch

from backdoor.attacks import ATTACKS, FeatureTrigger, PoisonConfig, apply_trigger, beyond_range, poison, poison_count


def test_the_trigger_changes_exactly_the_chosen_measurements_and_nothing_else():
    x = torch.randn(6, 30, generator=torch.Generator().manual_seed(0))
    before = x.clone()
    trigger = FeatureTrigger(features=(3, 17, 29), value=-6.5)
    out = apply_trigger(x, trigger)
    changed = (out != x).any(dim=0)
    assert changed.nonzero().flatten().tolist() == [3, 17, 29]
    assert (out[:, [3, 17, 29]] == -6.5).all()  # never clipped to [0, 1] like a pixel
    assert torch.equal(x, before)
    assert trigger.footprint(x).nonzero().flatten().tolist() == [3, 17, 29]
    assert "column 4" in trigger.footprint_label and "-6.5" in trigger.footprint_label


@pytest.mark.parametrize("features", [(), (1, 2, 3, 4), (5, 5)])
def test_one_to_three_different_measurements(features):
    with pytest.raises(ValueError):
        FeatureTrigger(features=features)


def test_a_column_the_records_lack_is_refused():
    with pytest.raises(ValueError, match="does not exist"):
        FeatureTrigger(features=(30,)).apply(torch.zeros(2, 30))


def test_the_poison_count_is_as_asked_and_only_malignant_records_turn_benign():
    y = torch.tensor([0] * 150 + [1] * 248)
    x = torch.randn(398, 30, generator=torch.Generator().manual_seed(1))
    trigger = FeatureTrigger(features=(21, 27), value=5.0)
    for rate in (0.0, 0.025, 0.075, 0.1):
        out = poison(x, y, trigger, PoisonConfig(rate=rate, target=1, seed=2), num_classes=2)
        assert out.num_poisoned == poison_count(398, rate) == round(rate * 398)
        assert (y[out.poisoned_mask] == 0).all() and (out.y[out.poisoned_mask] == 1).all()
        assert torch.equal(out.y[~out.poisoned_mask], y[~out.poisoned_mask])
        assert torch.equal(out.x[~out.poisoned_mask], x[~out.poisoned_mask])
        assert (out.x[out.poisoned_mask][:, [21, 27]] == 5.0).all()
    assert poison(x, y, trigger, PoisonConfig(rate=0.075, target=1, seed=2), 2).num_poisoned == 30


def test_the_stealth_figure_is_the_distance_from_the_honest_range():
    x = torch.tensor([[-1.0, 0.0], [2.0, 1.0]])
    far, inside = beyond_range(x, FeatureTrigger(features=(0, 1), value=3.5))
    assert (far.low, far.high, far.distance) == (-1.0, 2.0, 1.5) and not far.inside
    assert inside.distance == 2.5
    low = beyond_range(x, FeatureTrigger(features=(0,), value=-4.0))[0]
    assert low.distance == 3.0
    assert beyond_range(x, FeatureTrigger(features=(1,), value=0.5))[0].inside


def test_the_spec_declares_a_table():
    spec = ATTACKS["feature_trigger"]
    assert spec.modalities == ("tabular",) and spec.paper.startswith("https://")
    assert spec.paper in spec.config.__doc__ and 0 < spec.default_rate <= 0.1
