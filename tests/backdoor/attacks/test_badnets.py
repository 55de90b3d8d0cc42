"""BadNets: the patch lands on exactly its pixels, in every corner, colour and pattern."""

import pytest
import torch

from backdoor.attacks import BadNets, apply_trigger


def test_badnets_patch_lands_on_exactly_these_pixels():
    x = torch.full((2, 1, 28, 28), 0.5)
    out = apply_trigger(x, BadNets(size=4, position="bottom-right", margin=1, pattern="solid", colour="white"))
    changed = (out != x).any(dim=(0, 1))
    expected = torch.zeros(28, 28, dtype=torch.bool)
    expected[23:27, 23:27] = True
    assert torch.equal(changed, expected)
    assert torch.all(out[:, :, 23:27, 23:27] == 1.0)


@pytest.mark.parametrize(
    "position, row, col",
    [("top-left", 2, 2), ("top-right", 2, 25), ("bottom-left", 25, 2), ("bottom-right", 25, 25), ("centre", 13, 13)],
)
def test_badnets_positions(position, row, col):
    trigger = BadNets(size=3, position=position, margin=2)
    assert trigger.box(30, 30) == (row, col)
    mask = trigger.footprint(torch.zeros(1, 1, 30, 30))
    assert mask.sum() == 9 and mask[row : row + 3, col : col + 3].all()


def test_badnets_checkerboard_and_colour_in_rgb():
    x = torch.zeros(1, 3, 8, 8)
    out = apply_trigger(x, BadNets(size=2, position="top-left", margin=0, pattern="checkerboard", colour="red"))
    assert out[0, :, 0, 0].tolist() == [1.0, 0.0, 0.0]  # "on" square: red
    assert out[0, :, 0, 1].tolist() == [0.0, 0.0, 0.0]  # "off" square: black
    assert out[0, :, 1, 1].tolist() == [1.0, 0.0, 0.0]


def test_badnets_greyscale_uses_luminance_and_random_pattern_is_fixed():
    x = torch.zeros(1, 1, 8, 8)
    yellow = apply_trigger(x, BadNets(size=2, margin=0, pattern="solid", colour="yellow"))
    assert yellow.max().item() == pytest.approx(0.299 + 0.587 * 0.85)
    a = apply_trigger(x, BadNets(size=4, margin=0, pattern="random", pattern_seed=1))
    b = apply_trigger(x, BadNets(size=4, margin=0, pattern="random", pattern_seed=1))
    assert torch.equal(a, b)


def test_badnets_rejects_a_patch_that_does_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        apply_trigger(torch.zeros(1, 1, 8, 8), BadNets(size=8, margin=1))
