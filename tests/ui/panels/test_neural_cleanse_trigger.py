"""The Neural Cleanse panel's 'real trigger' picture: what the trigger adds, or, for a warp that adds
nothing, what it moves in a test image (a black square said nothing about a WaNet trigger)."""

from types import SimpleNamespace

import pytest
import torch

from backdoor.attacks import ATTACKS, Drawn
from backdoor.scenario import Scenario
from ui.panels.neural_cleanse import moved_pixels, real_trigger, trigger_picture


def _lab(attack: str, trigger=None):
    digits = torch.zeros(4, 1, 28, 28)
    digits[:, :, 6:22, 12:16] = 1.0  # a stroke, for the warp to move
    dataset = SimpleNamespace(image_shape=(1, 28, 28), held_out_objects=None)
    scenario = Scenario(attack=attack, trigger=trigger or ATTACKS[attack].config())
    return SimpleNamespace(scenario=scenario, dataset=dataset, held_out=(digits, torch.zeros(4, dtype=torch.long)))


@pytest.mark.parametrize("attack", ["badnets", "blended", "sig"])
def test_a_trigger_that_adds_pixels_is_shown_on_black(attack):
    shown = real_trigger(_lab(attack))
    assert shown is not None and shown.shape == (1, 28, 28) and shown.any()


def test_a_warp_adds_nothing_so_the_panel_shows_what_it_moves():
    lab = _lab("wanet")
    assert real_trigger(lab) is None
    moved = moved_pixels(lab)
    assert moved.shape == (1, 28, 28) and moved.max() == pytest.approx(1.0)  # brightened to be seen
    assert moved[0, :, :10].sum() == 0  # only around the stroke: the warp moves pixels, it adds none


def test_each_picture_is_captioned_by_what_it_shows_never_a_warp_for_black_ink():
    assert trigger_picture(_lab("badnets"), "real trigger")[1] == "real trigger"
    assert trigger_picture(_lab("wanet"), "real trigger")[1] == "real trigger (what it changes in one picture)"
    black = Drawn(1, 1, bytes([1]), bytes([0]), top=0, left=0)  # on the black corner: nothing added, nothing moved
    shown, named = trigger_picture(_lab("drawn", black), "real trigger")
    assert named == "real trigger (it changes no pixel here)" and not shown.any()
    on_ink = Drawn(1, 1, bytes([1]), bytes([0]), top=10, left=13)  # black ink on the stroke: it erases a pixel
    shown, named = trigger_picture(_lab("drawn", on_ink), "real trigger")
    assert named == "real trigger (what it changes in one picture)" and shown[0, 10, 13] == 1.0
