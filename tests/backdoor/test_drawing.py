"""From canvas pixels to the lab's values: the drawn trigger, a tap that places it, a drawn digit."""

import numpy as np
import pytest
import torch

from backdoor.attacks import apply_trigger
from backdoor.drawing import centred_on, digit_from_canvas, drawn_from_canvas, tapped_pixel


def canvas(cells: dict[tuple[int, int], tuple[int, int, int]], size: int = 10, scale: int = 10,
           cover: slice = slice(None)) -> np.ndarray:
    """An RGBA canvas ``scale`` times an image of ``size`` x ``size``, with these image pixels inked
    (``cover`` the part of each pixel's block that is inked)."""
    rgba = np.zeros((size * scale, size * scale, 4), dtype=np.uint8)
    for (row, col), colour in cells.items():
        block = rgba[row * scale : (row + 1) * scale, col * scale : (col + 1) * scale]
        block[cover, :, :3] = colour
        block[cover, :, 3] = 255
    return rgba


WHITE, GREY = (255, 255, 255), (128, 128, 128)


def test_the_trigger_lands_on_exactly_the_drawn_pixels():
    drawn = drawn_from_canvas(canvas({(2, 3): WHITE, (2, 4): GREY, (4, 3): WHITE}), (10, 10))
    assert (drawn.top, drawn.left, drawn.height, drawn.width) == (2, 3, 3, 2)
    assert drawn.mask == bytes([1, 1, 0, 0, 1, 0])
    assert drawn.pattern == bytes([255, 128, 0, 0, 255, 0])
    out = apply_trigger(torch.zeros(1, 1, 10, 10), drawn)
    expected = torch.zeros(10, 10)
    expected[2, 3], expected[2, 4], expected[4, 3] = 1.0, 128 / 255, 1.0
    assert torch.allclose(out[0, 0], expected)


def test_a_pixel_counts_as_drawn_only_when_enough_ink_covers_it():
    half = drawn_from_canvas(canvas({(1, 1): WHITE}, cover=slice(0, 5)), (10, 10))  # half the block inked
    assert half is not None and half.pattern == bytes([255])  # its ink is white, however little covers it
    assert drawn_from_canvas(canvas({(1, 1): WHITE}, cover=slice(0, 3)), (10, 10)) is None  # 30% < 40%


def test_an_empty_canvas_draws_no_trigger():
    assert drawn_from_canvas(canvas({}), (10, 10)) is None
    with pytest.raises(ValueError, match="RGBA"):
        drawn_from_canvas(np.zeros((10, 10, 3), dtype=np.uint8), (10, 10))


def test_a_high_density_screen_gives_the_same_trigger():
    cells = {(2, 3): WHITE, (7, 8): GREY}
    assert drawn_from_canvas(canvas(cells, scale=30), (10, 10)) == drawn_from_canvas(canvas(cells), (10, 10))


@pytest.mark.parametrize("x, y, shown, pixel", [
    (0, 0, 280, (0, 0)),
    (279, 279, 280, (27, 27)),
    (145, 35, 280, (3, 14)),
    (400, -5, 280, (0, 27)),  # a tap past the edge lands on the edge
    (100, 100, 200, (14, 14)),  # a smaller picture on a phone
])
def test_a_tap_finds_the_pixel_under_it(x, y, shown, pixel):
    assert tapped_pixel(x, y, shown, shown, (28, 28)) == pixel


def test_a_tap_centres_the_drawing_there_and_keeps_it_inside():
    drawn = drawn_from_canvas(canvas({(0, 0): WHITE, (2, 2): WHITE}), (10, 10))  # 3x3
    moved = centred_on(drawn, 5, 5, (10, 10))
    assert (moved.top, moved.left) == (4, 4) and moved.mask == drawn.mask
    assert (centred_on(drawn, 9, 0, (10, 10)).top, centred_on(drawn, 9, 0, (10, 10)).left) == (7, 0)


def test_a_drawn_digit_is_centred_like_an_uploaded_one():
    rgba = canvas({(r, 2): WHITE for r in range(1, 9)}, size=28)  # a vertical stroke near the left edge: a "1"
    digit = digit_from_canvas(rgba, (1, 28, 28))
    assert digit.shape == (1, 1, 28, 28) and 0.0 <= digit.min() and digit.max() <= 1.0
    columns = torch.nonzero(digit[0, 0].sum(dim=0) > 0).flatten().float()
    assert 11 <= columns.mean() <= 16  # moved from the left edge to the middle
    assert digit_from_canvas(canvas({}, size=28), (1, 28, 28)) is None


def test_a_dark_canvas_background_is_no_digit():
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., 3] = 255  # an opaque black canvas, nothing drawn on it
    assert digit_from_canvas(rgba, (1, 28, 28)) is None
