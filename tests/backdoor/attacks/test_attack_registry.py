"""Every registered attack meets the contract: its words and paper, settings a student can change
(each default inside its own widget's range), and a trigger that is pure, frozen and in range."""

from __future__ import annotations

import pytest
import torch

from backdoor.attacks import ATTACKS, apply_trigger, widgets


@pytest.mark.parametrize("name", list(ATTACKS.fitting("image")))
def test_every_registered_attack_meets_the_contract(name):
    spec = ATTACKS[name]
    assert spec.name == name and spec.title and spec.summary and spec.row_title
    assert spec.paper.startswith("https://") and 0 < spec.default_rate <= 0.5
    assert spec.config.__doc__ and spec.paper in spec.config.__doc__
    settings = widgets(spec.config)
    assert settings, f"{name} has no setting a student can change"
    for field, default, widget in settings:  # the generic form can draw each default
        if widget.choices:
            assert default in widget.choices, (name, field)
        else:
            high = widget.highest((1, 28, 28))
            assert widget.low <= default and (default <= high or widget.fit is not None), (name, field)
    trigger = spec.config()
    for shape in [(2, 1, 28, 28), (2, 3, 32, 32)]:
        x = torch.rand(shape, generator=torch.Generator().manual_seed(0))
        before = x.clone()
        out = apply_trigger(x, trigger)
        assert out.shape == x.shape and out.dtype == x.dtype and out.min() >= 0 and out.max() <= 1
        assert not torch.equal(out, x)
        assert torch.equal(out, apply_trigger(x, trigger))  # pure and deterministic
        assert torch.equal(x, before)  # the input is untouched
        assert trigger.footprint(x).shape == shape[2:]
    with pytest.raises(Exception):
        trigger.size = 3  # configs are frozen


def test_every_attack_declares_what_it_stamps_and_fits_only_that():
    from backdoor.datasets import DATASETS

    assert set(ATTACKS.fitting("image")) | set(ATTACKS.fitting("tabular")) == set(ATTACKS)
    assert list(ATTACKS.fitting("tabular")) == ["feature_trigger"]
    for name, spec in ATTACKS.items():
        for dataset, data in DATASETS.items():
            if data.modality not in spec.modalities:
                assert not spec.fits(dataset), (name, dataset)
    assert ATTACKS["feature_trigger"].fits("breast-cancer") and not ATTACKS["badnets"].fits("breast-cancer")
