"""Clean accuracy, attack success rate and confusion, on hand-made models and inputs."""

import math

import torch

from backdoor.metrics import attack_success_rate, confusion_matrix


class _Constant(torch.nn.Module):
    """Always predicts ``label`` (a reference model for the metrics)."""

    def __init__(self, label: int, classes: int = 3):
        super().__init__()
        self.logits = torch.nn.functional.one_hot(torch.tensor(label), classes).float()

    def forward(self, x):
        return self.logits.expand(len(x), -1)


def test_asr_counts_only_images_outside_the_target_class():
    x = torch.zeros(4, 1, 2, 2)
    y = torch.tensor([0, 1, 2, 2])
    assert attack_success_rate(_Constant(2), x, y, lambda t: t, target=2) == 1.0
    assert attack_success_rate(_Constant(1), x, y, lambda t: t, target=2) == 0.0
    assert math.isnan(attack_success_rate(_Constant(1), x[2:], y[2:], lambda t: t, target=2))


def test_confusion_matrix_counts():
    cm = confusion_matrix(torch.tensor([0, 0, 1, 2]), torch.tensor([0, 1, 1, 1]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
