"""The physical sticker: it sits on the sign wherever the sign is, and only sign data offers it."""

import torch

from backdoor.attacks import ATTACKS, PoisonConfig, Sticker, apply_trigger, poison
from backdoor.datasets import load_dataset
from backdoor.scenario import Scenario

SIGNS = torch.tensor([[8.0, 8.0, 6.0], [22.0, 20.0, 10.0]])  # centre x, centre y, radius in pixels


def test_sticker_sits_on_the_sign_wherever_it_is():
    x = torch.rand(2, 3, 32, 32)
    sticker = Sticker(size=0.5, below=0.5, colour="yellow")
    masks = sticker.masks(x, SIGNS)
    for i, (cx, cy, r) in enumerate(SIGNS.tolist()):
        rows, cols = torch.nonzero(masks[i], as_tuple=True)
        side = round(0.5 * r)
        assert rows.max() - rows.min() + 1 == side and cols.max() - cols.min() + 1 == side  # scales with the sign
        assert abs((rows.float().mean() + 0.5) - (cy + 0.5 * r)) <= 1 and abs((cols.float().mean() + 0.5) - cx) <= 1
    out = apply_trigger(x, sticker, SIGNS)
    assert torch.allclose(out[0, :, masks[0]], torch.tensor([1.0, 0.85, 0.0])[:, None])
    assert torch.equal(out[:, :, ~masks.any(0)], x[:, :, ~masks.any(0)])
    assert torch.equal(sticker.footprint(x[:1], SIGNS[:1]), masks[0])


def test_sticker_on_an_unlocated_image_goes_where_a_centred_sign_has_it():
    x = torch.rand(1, 3, 32, 32)
    mask = Sticker(size=0.5, below=0.0).masks(x)[0]
    rows, cols = torch.nonzero(mask, as_tuple=True)
    assert abs(rows.float().mean() - 15.5) <= 1 and abs(cols.float().mean() - 15.5) <= 1
    assert torch.equal(apply_trigger(x, Sticker(size=0.5, below=0.0)), apply_trigger(x, Sticker(size=0.5, below=0.0), None))


def test_the_signs_travel_on_the_dataset_into_poisoning_and_every_stamp():
    signs = load_dataset("traffic-signs")
    assert signs.objects_train.shape == (len(signs.y_train), 3) and signs.objects_test.shape == (len(signs.y_test), 3)
    small = signs.subset(slice(None, 300), slice(100, 140))
    assert torch.equal(small.objects_train, signs.objects_train[:300])
    assert torch.equal(small.held_out_objects, signs.objects_test[120:140])
    sticker = Sticker()
    poisoned = poison(small.x_train, small.y_train, sticker, PoisonConfig(rate=0.2), small.num_classes,
                      small.objects_train)
    rows = torch.nonzero(poisoned.poisoned_mask).flatten()
    expected = apply_trigger(small.x_train[rows], sticker, small.objects_train[rows])
    assert torch.equal(poisoned.x[rows], expected)
    centred = apply_trigger(small.x_train[rows], sticker)
    assert not torch.equal(expected, centred)  # the signs move around the frame: the sticker follows them
    scenario = Scenario(dataset="traffic-signs", model="color-cnn", attack="sticker", trigger=sticker)
    x, _ = small.held_out
    assert torch.equal(scenario.stamp(x, small.held_out_objects), apply_trigger(x, sticker, small.held_out_objects))


def test_a_trigger_not_placed_on_objects_ignores_them():
    x = torch.rand(2, 3, 32, 32)
    badnets = ATTACKS["badnets"].config()
    assert torch.equal(apply_trigger(x, badnets, SIGNS), apply_trigger(x, badnets))


def test_sticker_only_offered_for_sign_data():
    assert ATTACKS["sticker"].fits("traffic-signs") and not ATTACKS["sticker"].fits("mnist-5k")
    assert ATTACKS["wanet"].fits("mnist-5k")
