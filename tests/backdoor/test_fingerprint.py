import torch

from backdoor.fingerprint import fingerprint


def test_fingerprint_is_stable_and_changes_with_one_pixel_or_label():
    x = torch.rand(20, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    y = torch.arange(20) % 10
    a = fingerprint(x, y)
    assert a == fingerprint(x.clone(), y.clone()) and len(a) == 64
    x2 = x.clone()
    x2[3, 0, 4, 4] = 1.0 - x2[3, 0, 4, 4]
    y2 = y.clone()
    y2[0] = 9
    assert fingerprint(x2, y) != a and fingerprint(x, y2) != a
    assert fingerprint(x.reshape(20, 1, 4, 16), y) != a  # the shape is part of it
