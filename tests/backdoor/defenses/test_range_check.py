"""The range check: ranges learnt from the reference records, and what it refuses."""

import pytest
import torch

from backdoor.defenses.range_check import RangeCheckConfig, learn_ranges, out_of_range, range_check


def test_ranges_are_the_reference_minimum_and_maximum_widened_by_the_margin():
    reference = torch.tensor([[0.0, -1.0], [2.0, 1.0], [1.0, 0.0]])
    low, high = learn_ranges(reference, 0.5)
    assert low.tolist() == [-0.5, -1.5] and high.tolist() == [2.5, 1.5]
    x = torch.tensor([[2.5, 1.5], [2.6, 0.0], [0.0, -1.6]])
    assert out_of_range(x, low, high).tolist() == [[False, False], [True, False], [False, True]]  # the edge is served


def test_a_trigger_outside_the_trusted_range_is_refused_and_so_is_an_extreme_honest_record():
    reference = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    honest = torch.tensor([[0.5, 0.5], [0.2, 2.5], [1.0, 0.0], [0.3, 0.3]])  # the second is extreme
    triggered = torch.tensor([[0.5, 5.0], [0.5, 1.5]])  # the second trigger hides inside the margin
    result = range_check(reference, honest, triggered, RangeCheckConfig(margin=1.0))
    assert result.clean_refused.tolist() == [False, True, False, False] and result.refused_share == 0.25
    assert result.triggered_refused.tolist() == [True, False] and result.caught_share == 0.5
    assert result.outside.tolist() == [0, 1]


def test_ranges_learnt_from_the_poisoned_file_contain_the_trigger():
    poisoned_file = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.5, 5.0]])  # one poisoned record at +5
    result = range_check(poisoned_file, torch.zeros(1, 2), torch.tensor([[0.5, 5.0]]), RangeCheckConfig(margin=0.0))
    assert result.caught_share == 0.0


@pytest.mark.parametrize("bad", [dict(margin=-0.1), dict(reference="test")])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError):
        RangeCheckConfig(**bad)


def test_no_reference_record_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one reference record"):
        learn_ranges(torch.zeros(0, 3), 1.0)
