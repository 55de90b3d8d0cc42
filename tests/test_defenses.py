"""Activation Clustering, Spectral Signatures and Fine-Pruning on a small poisoned problem, and
every registered defense's contract: same inputs, same result."""

import dataclasses
import random

import numpy as np
import pytest
import torch
from torch import nn

from conftest import stir_global_random_state

from backdoor.defenses.activation_clustering import activation_clustering
from backdoor.defenses.common import detection_score, no_progress
from backdoor.defenses.detection import fisher_separation, robust_z
from backdoor.defenses.fine_pruning import FinePruningConfig, channel_activity, fine_pruning, prune_channels
from backdoor.defenses.neural_cleanse import NeuralCleanseConfig
from backdoor.defenses.registry import DEFENSES
from backdoor.defenses.lab import Lab
from backdoor.defenses.spectral_signatures import SpectralSignaturesConfig, spectral_signatures
from backdoor.scenario import poisoned_training_set


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _unchanged(model, before):
    return all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.fixture(scope="module")
def poisoned(small_mnist, trained_pair):
    scenario, _, _ = trained_pair
    return poisoned_training_set(small_mnist, scenario)


@pytest.mark.parametrize("defense", [activation_clustering, spectral_signatures])
def test_data_inspection_flags_mostly_poisoned_samples(defense, trained_pair, poisoned):
    _, backdoored, _ = trained_pair
    before, x_before = _state(backdoored.model), poisoned.x.clone()
    result = defense(backdoored.model, poisoned.x, poisoned.y)
    score = result.score(poisoned.poisoned_mask)
    assert result.suspect_classes == [0]
    assert score.precision > 0.85 and score.recall > 0.7  # random flagging would have precision 0.1
    assert _unchanged(backdoored.model, before) and torch.equal(poisoned.x, x_before)
    again = defense(backdoored.model, poisoned.x, poisoned.y)
    assert torch.equal(result.flags, again.flags)  # seeded


@pytest.mark.parametrize("defense", [activation_clustering, spectral_signatures])
def test_data_inspection_flags_nothing_on_a_clean_model(defense, small_mnist, trained_pair):
    _, _, baseline = trained_pair
    result = defense(baseline.model, small_mnist.x_train, small_mnist.y_train)
    assert result.flags.sum() <= 0.02 * len(small_mnist.y_train)


def test_spectral_signatures_removes_at_most_its_budget(trained_pair, poisoned):
    _, backdoored, _ = trained_pair
    config = SpectralSignaturesConfig(expected_poison_fraction=0.02, removal_factor=1.5)
    result = spectral_signatures(backdoored.model, poisoned.x, poisoned.y, config)
    assert int(result.flags.sum()) <= round(1.5 * 0.02 * len(poisoned.y))


def test_detection_score_by_hand():
    flags = torch.tensor([1, 1, 0, 0, 1], dtype=torch.bool)
    truth = torch.tensor([1, 0, 1, 0, 1], dtype=torch.bool)
    score = detection_score(flags, truth)
    assert (score.flagged, score.true_positives) == (3, 2)
    assert score.precision == pytest.approx(2 / 3) and score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 / 3)


def test_fisher_separation_and_robust_z_by_hand():
    values = np.array([[0.0], [2.0], [10.0], [12.0]])
    groups = np.array([0, 0, 1, 1])
    # means 1 and 11, variances 1 and 1: (11 - 1)^2 / (1 + 1) = 50
    assert fisher_separation(values, groups) == pytest.approx(50.0)
    z = robust_z(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert z[2] == 0 and z[4] == pytest.approx(97 / 1.4826)


def test_pruned_channels_output_zero_and_the_input_model_is_untouched(trained_pair, small_mnist):
    _, backdoored, _ = trained_pair
    before = _state(backdoored.model)
    pruned = prune_channels(backdoored.model, "conv2", [0, 5, 7])
    activity = channel_activity(pruned, "conv2", small_mnist.x_test[:50])
    assert activity[[0, 5, 7]].abs().sum() == 0 and activity.sum() > 0
    assert _unchanged(backdoored.model, before)


def test_fine_pruning_prunes_the_quietest_channels_within_the_budget(trained_pair, small_mnist):
    scenario, backdoored, _ = trained_pair
    before = _state(backdoored.model)
    x, y = small_mnist.x_test[:150], small_mnist.y_test[:150]
    x_eval, y_eval = small_mnist.x_test[150:], small_mnist.y_test[150:]
    budget = FinePruningConfig(accuracy_budget=0.02, fine_tune_epochs=0)
    result = fine_pruning(backdoored.model, "conv2", x, y, x_eval, y_eval, scenario.trigger, 0, budget)
    activity = channel_activity(backdoored.model, "conv2", x)
    assert result.pruned_channels == torch.argsort(activity).tolist()[: len(result.pruned_channels)]
    stop = next((p for p in result.curve if result.curve[0].clean_acc - p.clean_acc > 0.02), None)
    assert stop is None or stop.fraction > result.pruned_fraction  # stopped within the budget
    assert 0.0 <= result.after_pruning.asr <= 1.0 and result.model is not backdoored.model
    assert _unchanged(backdoored.model, before)


def test_fine_pruning_with_its_fine_tuning_removes_the_backdoor(trained_pair, small_mnist):
    scenario, backdoored, _ = trained_pair
    x, y = small_mnist.x_test[:150], small_mnist.y_test[:150]
    x_eval, y_eval = small_mnist.x_test[150:], small_mnist.y_test[150:]
    result = fine_pruning(backdoored.model, "conv2", x, y, x_eval, y_eval, scenario.trigger, 0)
    before = result.curve[0]
    assert before.asr > 0.9  # the backdoor works before
    assert result.after_fine_tuning.asr < 0.2  # and is mostly gone after
    assert result.after_fine_tuning.clean_acc > 0.75  # still a working classifier (150 clean images only here)
    again = fine_pruning(backdoored.model, "conv2", x, y, x_eval, y_eval, scenario.trigger, 0)
    assert again.after_fine_tuning == result.after_fine_tuning  # seeded, shifts included


def test_every_registered_defense_has_its_settings_run_cost_and_words():
    for name, spec in DEFENSES.items():
        assert spec.name == name and dataclasses.is_dataclass(spec.config) and callable(spec.run)
        assert spec.paper.startswith("https://") and spec.looks_at and spec.fails_when and spec.stage
        for key, field in spec.settings.items():  # a page's setting really sets one of its config's fields
            assert field in {f.name for f in dataclasses.fields(spec.config)}, (name, key)


# --- every defense: same inputs and config, bitwise the same result ------------------------

# Neural Cleanse's defaults take seconds per run; a short search still exercises every path
# (two rounds of unlearning, so the suspect is searched again in between).
QUICK_CONFIGS = {"neural_cleanse": NeuralCleanseConfig(steps=30, batch_size=8, clean_samples=64, unlearn_epochs=1,
                                                       unlearn_rounds=2)}


def global_random_state() -> tuple:
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    return torch.get_rng_state().clone(), (kind, keys.tobytes(), position, has_gauss, gauss), random.getstate()


def fingerprint(value):
    """Every figure a defense's result holds as plain comparable values (tensors and weights
    as their bytes, floats by repr so NaN equals NaN); wall-clock seconds left out."""
    if isinstance(value, torch.Tensor):
        return str(value.dtype), tuple(value.shape), value.detach().cpu().contiguous().numpy().tobytes()
    if isinstance(value, np.ndarray):
        return str(value.dtype), value.shape, value.tobytes()
    if isinstance(value, nn.Module):
        return fingerprint(value.state_dict())
    if dataclasses.is_dataclass(value):
        return tuple((f.name, fingerprint(getattr(value, f.name))) for f in dataclasses.fields(value)
                     if f.name not in ("seconds", "run_id"))
    if isinstance(value, dict):
        return tuple((key, fingerprint(item)) for key, item in value.items() if not str(key).endswith("seconds"))
    if isinstance(value, (list, tuple)):
        return tuple(fingerprint(item) for item in value)
    if isinstance(value, float):
        return repr(value)
    return value


@pytest.fixture(scope="module")
def small_lab(small_mnist, trained_pair, poisoned):
    scenario, backdoored, _ = trained_pair
    return Lab(small_mnist, scenario, backdoored.model, "test", poisoned)


@pytest.mark.parametrize("name", list(DEFENSES))
def test_a_defense_depends_only_on_its_inputs_and_config(name, small_lab, monkeypatch):
    """Run twice, the second time with the global generators stirred (as earlier work in the
    process leaves them): bitwise the same result and "after" figures, and the global random
    state left as the defense found it (so it cannot shift whatever runs next either)."""
    if name in QUICK_CONFIGS:
        monkeypatch.setitem(DEFENSES, name, dataclasses.replace(DEFENSES[name], config=QUICK_CONFIGS[name]))
    settings = {"expected_fraction": 0.1}
    first = DEFENSES[name].apply(small_lab, settings, no_progress)
    stir_global_random_state()
    before = global_random_state()
    again = DEFENSES[name].apply(small_lab, settings, no_progress)
    assert fingerprint(global_random_state()) == fingerprint(before)
    assert fingerprint(again) == fingerprint(first)
