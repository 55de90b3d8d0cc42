"""Adap-Blend: pieces of the pattern on training images, the whole pattern at attack time, covers keep labels."""

import pytest
import torch

from backdoor.attacks import ATTACKS, PoisonConfig, apply_trigger, poison
from backdoor.attacks.adap_blend import AdapBlend


def test_the_attack_blends_the_whole_pattern_at_alpha():
    x = torch.rand(3, 1, 8, 8)
    trigger = AdapBlend(alpha=0.2)
    key = trigger.key_pattern(1, 8, 8)
    assert torch.allclose(apply_trigger(x, trigger), 0.8 * x + 0.2 * key)


def test_each_piece_mask_covers_half_the_grid_cells_whole():
    trigger = AdapBlend(pieces=4, piece_share=0.5)
    masks = trigger.piece_masks(5, 8, 8, torch.Generator().manual_seed(0))
    assert masks.shape == (5, 1, 8, 8)
    cells = masks[:, 0].unfold(1, 2, 2).unfold(2, 2, 2)  # (5, 4, 4, 2, 2): each 2x2 cell of the 4x4 grid
    assert torch.equal(cells.amin(dim=(3, 4)), cells.amax(dim=(3, 4)))  # a cell is all on or all off
    assert cells.amax(dim=(3, 4)).sum(dim=(1, 2)).tolist() == [8, 8, 8, 8, 8]  # 8 of the 16 pieces each
    assert len({tuple(m.flatten().tolist()) for m in masks}) > 1  # a different subset per image


def test_a_grid_that_does_not_divide_the_image_still_covers_every_pixel_once():
    trigger = AdapBlend(pieces=3, piece_share=1.0)
    assert torch.equal(trigger.piece_masks(2, 7, 5, torch.Generator()), torch.ones(2, 1, 7, 5))


def test_training_images_get_their_pieces_at_the_training_alpha_and_nothing_elsewhere():
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    trigger = AdapBlend(train_alpha=0.15, pieces=2, piece_share=0.5)
    key = trigger.key_pattern(1, 8, 8)
    stamped = trigger.apply_train(x)
    moved = (stamped - x).abs() > 1e-7
    blended = torch.isclose(stamped, 0.85 * x + 0.15 * key, atol=1e-6)
    for image in range(4):
        on = moved[image, 0] | blended[image, 0]  # where the pattern went (a pixel may equal its key)
        assert torch.equal(stamped[image][~on[None]], x[image][~on[None]])
        assert 20 <= int(moved[image].sum()) <= 32  # 2 of the 4 quarters (16 pixels each), nearly all moved
    assert torch.equal(stamped, trigger.apply_train(x))  # seeded: the same pieces every time


def test_cover_images_keep_their_true_labels_and_carry_pieces():
    gen = torch.Generator().manual_seed(2)
    x, y = torch.rand(40, 1, 8, 8, generator=gen), torch.arange(40) % 4
    trigger = AdapBlend(cover_ratio=1.0)
    result = poison(x, y, trigger, PoisonConfig(rate=0.1, target=0), num_classes=4)
    assert result.num_poisoned == 4 and result.num_cover == 4
    assert not (result.poisoned_mask & result.cover_mask).any()
    assert torch.equal(result.y[result.cover_mask], y[result.cover_mask])  # covers keep their labels
    assert (result.y[result.poisoned_mask] == 0).all()  # the poison goes to the target
    assert not torch.equal(result.x[result.cover_mask], x[result.cover_mask])  # covers carry pieces
    untouched = ~(result.poisoned_mask | result.cover_mask)
    assert torch.equal(result.x[untouched], x[untouched])


def test_no_covers_when_the_ratio_is_zero():
    x, y = torch.rand(40, 1, 8, 8), torch.arange(40) % 4
    assert poison(x, y, AdapBlend(cover_ratio=0.0), PoisonConfig(rate=0.1), num_classes=4).cover_mask is None


def test_the_defaults_follow_the_paper_and_bad_settings_are_refused():
    trigger = AdapBlend()
    assert (trigger.alpha, trigger.train_alpha, trigger.pieces, trigger.piece_share) == (0.2, 0.15, 4, 0.5)
    assert ATTACKS["adap_blend"].config is AdapBlend
    for bad, message in [({"alpha": 1.0}, "The opacities must be between 0 and 1."),
                         ({"train_alpha": 0.0}, "The opacities must be between 0 and 1."),
                         ({"pieces": 0}, "The pattern needs at least one piece."),
                         ({"piece_share": 0.0}, "The share of pieces must be above 0 and at most 1."),
                         ({"cover_ratio": -1.0}, "The cover ratio cannot be negative.")]:
        with pytest.raises(ValueError) as error:
            AdapBlend(**bad)
        assert str(error.value) == message
