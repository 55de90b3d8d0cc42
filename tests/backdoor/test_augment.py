"""Augmentation: random shifts and mixup."""

import torch

from backdoor.augment import mixup, random_shift


def test_random_shift_moves_images_by_at_most_the_limit():
    x = torch.zeros(50, 1, 10, 10)
    x[:, :, 4:6, 4:6] = 1.0
    out = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    for image in out:
        rows, cols = torch.nonzero(image[0], as_tuple=True)
        assert len(rows) == 4  # nothing lost, nothing added
        assert 2 <= rows.min() <= 6 and 2 <= cols.min() <= 6
    assert len({tuple(torch.nonzero(i[0])[0].tolist()) for i in out}) > 5  # really random
    assert torch.equal(random_shift(x, 0, torch.Generator()), x)


def test_mixup_blends_pairs_with_one_lambda():
    x = torch.stack([torch.full((1, 4, 4), float(i)) for i in range(8)])
    y = torch.arange(8)
    mixed, y_a, y_b, lam = mixup(x, y, 0.4, torch.Generator().manual_seed(1))
    assert 0 <= lam <= 1 and torch.equal(y_a, y)
    assert torch.allclose(mixed[:, 0, 0, 0], lam * y.float() + (1 - lam) * y_b.float())
    again = mixup(x, y, 0.4, torch.Generator().manual_seed(1))
    assert again[3] == lam and torch.equal(again[2], y_b)
