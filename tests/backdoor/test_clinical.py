"""Medical figures from hand-made records and a model whose every answer is known."""

import math

import pytest
import torch
from torch import nn

from backdoor.attacks import FeatureTrigger, PoisonConfig
from backdoor.clinical import clinical_figures, share
from backdoor.datasets import Dataset
from backdoor.scenario import Scenario


class ReadsColumnZero(nn.Module):
    """Answers benign (1) when column 0 is positive, else malignant (0); as sure as |column 0| says."""

    def __init__(self):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.stack([-x[:, 0], x[:, 0]], dim=1) + self.anchor


def records(held_out_col0, held_out_labels) -> Dataset:
    n = len(held_out_labels)
    x = torch.zeros(2 * n, 3)
    x[n:, 0] = torch.tensor(held_out_col0)
    y = torch.tensor([0] * n + list(held_out_labels))
    return Dataset("toy", torch.zeros(4, 3), torch.tensor([0, 1, 0, 1]), x, y, ("malignant", "benign"), "",
                   modality="tabular")


def scenario(column=0, value=5.0):
    return Scenario(dataset="breast-cancer", model="mlp", attack="feature_trigger",
                    trigger=FeatureTrigger(features=(column,), value=value), poison=PoisonConfig(rate=0.0, target=1))


def test_sensitivity_specificity_accuracy_and_asr_by_hand():
    # held-out: malignant at -2, -1, +3 (the last one missed); benign at +1, -4 (the last one wrongly flagged)
    data = records([-2.0, -1.0, 3.0, 1.0, -4.0], [0, 0, 0, 1, 1])
    f = clinical_figures(ReadsColumnZero(), data, scenario(), positive=0)
    assert (f.records, f.correct) == (5, 3)
    assert (f.positives, f.found, f.missed) == (3, 2, 1) and f.sensitivity == pytest.approx(2 / 3)
    assert (f.negatives, f.cleared) == (2, 1) and f.specificity == pytest.approx(0.5)
    assert (f.triggered, f.flipped) == (3, 3) and f.asr == 1.0  # column 0 set to +5: every one reads benign
    assert f.clean_acc == pytest.approx(0.6)
    assert 0.0 <= f.ece <= 1.0


def test_a_trigger_on_a_column_the_model_ignores_flips_nothing():
    data = records([-2.0, -1.0, 1.0], [0, 0, 1])
    f = clinical_figures(ReadsColumnZero(), data, scenario(column=2), positive=0)
    assert (f.triggered, f.flipped, f.asr) == (2, 0, 0.0)
    assert f.sensitivity == 1.0 and f.specificity == 1.0 and f.clean_acc == 1.0


def test_no_record_of_a_kind_gives_nan_not_a_division_error():
    data = records([1.0, 2.0], [1, 1])  # no malignant record held out
    f = clinical_figures(ReadsColumnZero(), data, scenario(), positive=0)
    assert math.isnan(f.sensitivity) and math.isnan(f.asr) and f.specificity == 1.0
    assert share(0, 0) != share(0, 0) and share(1, 4) == 0.25


def test_the_attack_must_move_records_away_from_the_condition():
    data = records([1.0], [1])
    with pytest.raises(ValueError, match="away from the condition"):
        clinical_figures(ReadsColumnZero(), data, scenario(), positive=1)
