"""A drawn trigger: it lands on exactly the drawn pixels with their brightness, poisons as many
images as asked, and is part of every key (two drawings, two keys; one drawing, one key)."""

import pytest
import torch

from backdoor.attacks import ATTACKS, Drawn, PoisonConfig, apply_trigger, poison
from backdoor.matrix import matrix_rows
from backdoor.scenario import Scenario
from backdoor.store import model_hash
from backdoor.sweep import sweep_key

L_SHAPE = Drawn(3, 2, bytes([1, 0, 1, 0, 1, 1]), bytes([255, 0, 128, 0, 255, 0]), top=4, left=6)


def test_the_trigger_lands_on_exactly_the_drawn_pixels_with_their_brightness():
    x = torch.full((2, 1, 10, 10), 0.5)
    out = apply_trigger(x, L_SHAPE)
    expected = torch.zeros(10, 10, dtype=torch.bool)
    expected[4, 6] = expected[5, 6] = expected[6, 6] = expected[6, 7] = True  # an L: 3 down, then 1 right
    assert torch.equal((out != x).any(dim=(0, 1)), expected)
    assert torch.equal(L_SHAPE.footprint(x), expected)
    assert out[0, 0, 4, 6] == 1.0 and out[0, 0, 5, 6] == pytest.approx(128 / 255) and out[0, 0, 6, 7] == 0.0
    assert out[0, 0, 4, 7] == 0.5  # inside the drawing's box but not drawn: untouched


def test_a_colour_image_gets_the_drawn_brightness_on_every_channel():
    out = apply_trigger(torch.zeros(1, 3, 10, 10), L_SHAPE)
    assert out[0, :, 5, 6].tolist() == [pytest.approx(128 / 255)] * 3


def test_a_drawing_past_the_edge_is_cut_off_there():
    out = apply_trigger(torch.zeros(1, 1, 5, 7), L_SHAPE)  # rows 4.., columns 6..: only (4, 6) is inside
    assert out.sum() == 1.0 and out[0, 0, 4, 6] == 1.0


@pytest.mark.parametrize("kwargs, message", [
    ({"mask": bytes(6)}, "empty"),
    ({"mask": bytes([1, 0])}, "needs 6"),
    ({"mask": bytes([2, 0, 0, 0, 0, 0])}, "only 0"),
    ({"top": -1}, "negative"),
])
def test_an_impossible_drawing_is_refused(kwargs, message):
    settings = {"height": 3, "width": 2, "mask": bytes([1, 0, 0, 0, 0, 0]), "pattern": bytes(6)} | kwargs
    with pytest.raises(ValueError, match=message):
        Drawn(**settings)


def test_poisoning_with_a_drawing_stamps_exactly_as_many_images_as_asked():
    x = torch.zeros(200, 1, 10, 10)
    y = torch.arange(200) % 10
    out = poison(x, y, L_SHAPE, PoisonConfig(rate=0.1, target=0), 10)
    assert out.num_poisoned == 20  # 10% of 200
    assert torch.all(out.y[out.poisoned_mask] == 0)
    assert out.x[out.poisoned_mask].sum(dim=(1, 2, 3)).tolist() == pytest.approx([1 + 128 / 255 + 1] * 20)
    assert torch.all(out.x[~out.poisoned_mask] == 0)


def test_the_drawing_goes_into_the_scenario_and_every_key():
    same = Drawn(3, 2, bytes([1, 0, 1, 0, 1, 1]), bytes([255, 0, 128, 0, 255, 0]), top=4, left=6)
    other = Drawn(3, 2, bytes([1, 0, 1, 0, 1, 1]), bytes([255, 0, 127, 0, 255, 0]), top=4, left=6)  # one pixel dimmer
    moved = Drawn(3, 2, bytes([1, 0, 1, 0, 1, 1]), bytes([255, 0, 128, 0, 255, 0]), top=5, left=6)
    scenarios = [Scenario(attack="drawn", trigger=t) for t in (L_SHAPE, same, other, moved)]
    assert scenarios[0] == scenarios[1] and hash(scenarios[0]) == hash(scenarios[1])
    assert model_hash(scenarios[0], "backdoored") == model_hash(scenarios[1], "backdoored")
    keys = {model_hash(s, "backdoored") for s in scenarios}
    assert len(keys) == 3  # the dimmer pixel and the move each give a key of their own
    assert len({repr(sweep_key(s, [1], "cpu")) for s in scenarios}) == 3
    assert model_hash(scenarios[0], "baseline") == model_hash(scenarios[2], "baseline")  # the clean model ignores it
    assert "3x2 drawing at row 4, column 6" in repr(scenarios[0])


def test_the_drawn_attack_is_registered_but_keeps_out_of_the_matrix():
    assert ATTACKS["drawn"].config is Drawn and ATTACKS["drawn"].fits("mnist-5k")
    assert ATTACKS["drawn"].fits("traffic-signs")
    assert "drawn" not in {row.attack for row in matrix_rows().values()}
    assert "badnets" in {row.attack for row in matrix_rows().values()}
