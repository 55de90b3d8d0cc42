"""Clean accuracy, attack success rate and confusion, on hand-made models and inputs."""

import math

import pytest
import torch

from backdoor.attacks import ALL_TO_ALL, TriggerDefaults
from backdoor.metrics import (
    attack_success_rate, clean_accuracy, confusion_matrix, evaluate, only_guesses, predict, predict_proba,
)
from elsewhere import Elsewhere


class _Constant(torch.nn.Module):
    """Always predicts ``label`` (a reference model for the metrics)."""

    def __init__(self, label: int, classes: int = 3):
        super().__init__()
        self.logits = torch.nn.functional.one_hot(torch.tensor(label), classes).float()

    def forward(self, x):
        return self.logits.expand(len(x), -1)


class _Brightness(torch.nn.Module):
    """Two classes: logits (0, 10 * (mean pixel - 0.5)), so class 1 exactly when the image is mostly
    bright. Records whether it was in training mode at each call."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor(10.0))
        self.modes: list[bool] = []

    def forward(self, x):
        self.modes.append(self.training)
        bright = self.scale * (x.flatten(1).mean(1) - 0.5)
        return torch.stack([torch.zeros_like(bright), bright], dim=1)


class _Whiten(TriggerDefaults):
    """A trigger that paints the whole image white, but only when told where the object is
    (``uses_objects``): without ``objects`` it leaves the image alone."""

    uses_objects = True

    def apply(self, x, objects=None):
        return x.clone() if objects is None else torch.ones_like(x)


def test_asr_counts_only_images_outside_the_target_class():
    x = torch.zeros(4, 1, 2, 2)
    y = torch.tensor([0, 1, 2, 2])
    assert attack_success_rate(_Constant(2), x, y, lambda t: t, target=2) == 1.0
    assert attack_success_rate(_Constant(1), x, y, lambda t: t, target=2) == 0.0
    assert math.isnan(attack_success_rate(_Constant(1), x[2:], y[2:], lambda t: t, target=2))


def test_asr_all_to_all_wants_each_class_sent_to_the_next():
    x = torch.zeros(3, 1, 2, 2)
    y = torch.tensor([0, 1, 2])
    # a model always answering 1 sends only the class-0 image where the attacker wants it (0 -> 1)
    assert attack_success_rate(_Constant(1), x, y, lambda t: t, target=ALL_TO_ALL) == pytest.approx(1 / 3)
    # answering 0 hits class 2's goal, (2 + 1) mod 3 = 0: every image counts, none is left out
    assert attack_success_rate(_Constant(0), x, y, lambda t: t, target=ALL_TO_ALL) == pytest.approx(1 / 3)


def test_asr_measures_the_stamped_images():
    x = torch.zeros(4, 1, 2, 2)
    y = torch.tensor([0, 0, 1, 0])
    # dark images go to class 0; stamped white they go to the target 1: all three class-0 images move
    assert attack_success_rate(_Brightness(), x, y, torch.ones_like, target=1) == 1.0
    assert attack_success_rate(_Brightness(), x, y, lambda t: t, target=1) == 0.0
    # two of the four class-0 images are already bright: only they go to the target
    mixed = torch.stack([torch.full((1, 2, 2), v) for v in (0.0, 1.0, 0.0, 1.0)])
    assert attack_success_rate(_Brightness(), mixed, torch.zeros(4, dtype=torch.long), lambda t: t, target=1) == 0.5


def test_predict_proba_is_the_softmax_of_each_row_in_any_batch_size():
    model = _Brightness()
    x = torch.stack([torch.full((1, 2, 2), v) for v in (0.5, 0.5 + math.log(3) / 10, 0.0, 1.0, 0.5)])
    # logit gaps 0, ln 3, -5, 5, 0: class-1 probabilities 1/2, 3/4, 1/(1+e^5), 1/(1+e^-5), 1/2
    p1 = [0.5, 0.75, 1 / (1 + math.exp(5)), 1 / (1 + math.exp(-5)), 0.5]
    for batch_size in (512, 2, 1):
        proba = predict_proba(model, x, batch_size=batch_size)
        assert proba.shape == (5, 2)
        assert torch.allclose(proba[:, 1], torch.tensor(p1), atol=1e-6)
        assert torch.allclose(proba.sum(1), torch.ones(5), atol=1e-6)
    assert predict(model, x).tolist() == [0, 1, 0, 1, 0]  # a tie of two goes to the first class


def test_predict_proba_runs_in_eval_mode_and_restores_the_mode():
    model = _Brightness()
    x = torch.zeros(3, 1, 2, 2)
    model.train()
    predict_proba(model, x, batch_size=2)
    assert model.modes == [False, False] and model.training
    model.eval()
    predict_proba(model, x)
    assert not model.training


def test_predict_proba_of_no_images_is_empty():
    assert predict_proba(_Brightness(), torch.zeros(0, 1, 2, 2)).shape == (0,)


def test_clean_accuracy_is_the_share_classified_correctly():
    x = torch.stack([torch.full((1, 2, 2), v) for v in (0.0, 1.0, 1.0, 0.0)])
    assert clean_accuracy(_Brightness(), x, torch.tensor([0, 1, 0, 0])) == 0.75
    assert clean_accuracy(_Brightness(), x, torch.tensor([1, 0, 0, 1])) == 0.0


def test_evaluate_stamps_the_trigger_where_the_objects_are():
    x = torch.zeros(3, 1, 2, 2)
    y = torch.tensor([0, 0, 1])
    objects = torch.zeros(3, 3)
    # dark images: class 0, so two of three are right; whitened, the two class-0 images go to the target 1
    result = evaluate(_Brightness(), x, y, _Whiten(), 1, objects)
    assert (result.clean_acc, result.asr) == pytest.approx((2 / 3, 1.0))
    # not told where the objects are, the trigger is not stamped: nothing moves
    assert evaluate(_Brightness(), x, y, _Whiten(), 1).asr == 0.0


def test_confusion_matrix_counts():
    cm = confusion_matrix(torch.tensor([0, 0, 1, 2]), torch.tensor([0, 1, 1, 1]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    # a class never seen or predicted still gets its row and column of zeros
    assert confusion_matrix(torch.tensor([1]), torch.tensor([0]), 3).tolist() == [[0, 0, 0], [1, 0, 0], [0, 0, 0]]


def test_evaluate_sends_the_images_to_the_models_own_device():
    model = Elsewhere()
    result = evaluate(model, torch.zeros(2, 1, 2, 2), torch.tensor([0, 1]), _Whiten(), 1, torch.zeros(2, 3))
    assert model.devices == ["meta", "meta"]  # the clean images, then the stamped ones
    assert (result.clean_acc, result.asr) == (0.5, 0.0)


@pytest.mark.parametrize("clean_acc, classes, guesses", [
    (0.0, 10, True), (0.1, 10, True), (0.1495, 10, True),  # shown as 14.9% (with 0.1495 -> 14.9 or 15.0: below)
    (0.15, 10, False), (0.97, 10, False), (1.0, 10, False),  # 15.0% as shown: just beyond guessing's 5 points
    (0.174, 8, True), (0.175, 8, False),  # eight traffic signs: 12.5% + 5
    (0.549, 2, True), (0.55, 2, False),  # two classes: a coin toss scores 50%
])
def test_a_model_only_guesses_within_five_points_of_chance_as_the_page_shows_them(clean_acc, classes, guesses):
    assert only_guesses(clean_acc, classes) == guesses
