"""The physical sticker: it sits on the sign wherever the sign is, and only sign data offers it."""

import torch

from backdoor.attacks import ATTACKS, Sticker, apply_trigger


def test_sticker_sits_on_the_sign_wherever_it_is(monkeypatch):
    import backdoor.datasets.traffic_signs as ts

    x = torch.zeros(2, 3, 32, 32)
    x[0, 0, 0, 0], x[1, 0, 0, 0] = 0.2, 0.6  # two distinct images
    keys = (x * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    import numpy as np

    ts.remember_signs(keys, np.array([[8.0, 8.0, 6.0], [22.0, 20.0, 10.0]], dtype=np.float32))
    sticker = Sticker(size=0.5, below=0.5, colour="yellow")
    masks = sticker.masks(x)
    for i, (cx, cy, r) in enumerate([(8, 8, 6), (22, 20, 10)]):
        rows, cols = torch.nonzero(masks[i], as_tuple=True)
        side = round(0.5 * r)
        assert rows.max() - rows.min() + 1 == side and cols.max() - cols.min() + 1 == side  # scales with the sign
        assert abs((rows.float().mean() + 0.5) - (cy + 0.5 * r)) <= 1 and abs((cols.float().mean() + 0.5) - cx) <= 1
    out = apply_trigger(x, sticker)
    assert torch.allclose(out[0, :, masks[0]], torch.tensor([1.0, 0.85, 0.0])[:, None])
    assert torch.equal(out[:, :, ~masks.any(0)], x[:, :, ~masks.any(0)])


def test_sticker_on_an_unknown_image_goes_where_a_centred_sign_has_it():
    x = torch.rand(1, 3, 32, 32)
    mask = Sticker(size=0.5, below=0.0).masks(x)[0]
    rows, cols = torch.nonzero(mask, as_tuple=True)
    assert abs(rows.float().mean() - 15.5) <= 1 and abs(cols.float().mean() - 15.5) <= 1


def test_sticker_only_offered_for_sign_data():
    assert ATTACKS["sticker"].fits("traffic-signs") and not ATTACKS["sticker"].fits("mnist-5k")
    assert ATTACKS["wanet"].fits("mnist-5k")
