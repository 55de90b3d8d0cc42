"""Trust at the library level: shared models stay untouched, seeds reproduce, bad settings
and degenerate data sets give clear messages instead of crashes."""

from __future__ import annotations

import math

import pytest
import torch

from backdoor.attacks import ATTACKS, PoisonConfig
from backdoor.datasets import Dataset
from backdoor.defenses.registry import DEFENSES
from backdoor.defenses.lab import Lab, retrain_without
from backdoor.scenario import Scenario, poisoned_training_set, train_model, trigger_report
from backdoor.train import TrainConfig, TrainingDiverged


def _fingerprint(model: torch.nn.Module) -> dict[str, bytes]:
    """Every tensor of the model's state, as raw bytes: equal means bitwise equal."""
    return {k: v.detach().cpu().contiguous().numpy().tobytes() for k, v in model.state_dict().items()}


def _table_defenses_leave_the_table_model_and_records_unchanged(tmp_path_factory) -> list[str]:
    """The defenses that fit a table, on the patient records' backdoored MLP; returns their names."""
    from backdoor.datasets import load_dataset
    from backdoor.tabular import study, table_scenario

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BACKDOOR_LAB_STORE", str(tmp_path_factory.mktemp("table-store")))
        records = load_dataset("breast-cancer")
        table = study(records, table_scenario())
    model = table.models["backdoored"].model
    lab = Lab(records, table.scenario, model, "table", table.poisoned)
    before = _fingerprint(model), records.x_train.clone(), table.poisoned.x.clone()
    ran = []
    for name, defense in DEFENSES.fitting("tabular").items():
        defense.apply(lab)
        ran.append(name)
        assert _fingerprint(model) == before[0], f"{name} changed the table model"
        assert torch.equal(records.x_train, before[1]) and torch.equal(table.poisoned.x, before[2]), name
    return ran


def test_every_defense_leaves_the_shared_model_and_data_bitwise_unchanged(small_mnist, trained_pair, tmp_path_factory,
                                                                          quick_defenses):
    """Every defense (the slow two with short settings: the same code paths) on one shared model."""
    scenario, backdoored, _ = trained_pair
    model = backdoored.model
    poisoned = poisoned_training_set(small_mnist, scenario)
    lab = Lab(small_mnist, scenario, model, "shared", poisoned)
    model_before = _fingerprint(model)
    flags_before = [(m.training, [p.requires_grad for p in m.parameters(recurse=False)]) for m in model.modules()]
    data_before = {name: getattr(small_mnist, name).clone() for name in ("x_train", "y_train", "x_test", "y_test")}
    poison_before = (poisoned.x.clone(), poisoned.y.clone(), poisoned.poisoned_mask.clone())
    ran = []
    for name, defense in DEFENSES.fitting("image").items():
        defense.apply(lab)
        ran.append(name)
        assert _fingerprint(model) == model_before, f"{name} changed the shared model"
    retrain_without(lab, torch.zeros(len(poisoned.y), dtype=torch.bool))
    ran += _table_defenses_leave_the_table_model_and_records_unchanged(tmp_path_factory)
    assert sorted(set(ran)) == sorted(DEFENSES)  # every registered defense was run, on the data it fits
    assert _fingerprint(model) == model_before
    assert [(m.training, [p.requires_grad for p in m.parameters(recurse=False)]) for m in model.modules()] == flags_before
    for name, tensor in data_before.items():
        assert torch.equal(getattr(small_mnist, name), tensor), f"{name} changed"
    assert all(torch.equal(a, b) for a, b in zip(poison_before, (poisoned.x, poisoned.y, poisoned.poisoned_mask)))


@pytest.mark.parametrize("attack", [a for a in ATTACKS.fitting("image") if a != "sticker"])
def test_same_seed_same_poisoned_set_bitwise(small_mnist, attack):
    scenario = Scenario(attack=attack, trigger=ATTACKS[attack].config(),
                        poison=PoisonConfig(rate=ATTACKS[attack].default_rate, target=0, seed=7))
    first, second = poisoned_training_set(small_mnist, scenario), poisoned_training_set(small_mnist, scenario)
    assert torch.equal(first.x, second.x) and torch.equal(first.y, second.y)
    assert torch.equal(first.poisoned_mask, second.poisoned_mask)
    other = poisoned_training_set(small_mnist, Scenario(
        attack=attack, trigger=ATTACKS[attack].config(),
        poison=PoisonConfig(rate=ATTACKS[attack].default_rate, target=0, seed=8)))
    assert not torch.equal(first.poisoned_mask, other.poisoned_mask)  # the seed really decides


@pytest.mark.trains
def test_same_seed_same_metrics_within_half_a_point(small_mnist):
    scenario = Scenario(poison=PoisonConfig(rate=0.1, target=0, seed=3), train=TrainConfig(epochs=2, seed=3))
    runs = [trigger_report(train_model(small_mnist, scenario).model, small_mnist, scenario) for _ in range(2)]
    assert abs(runs[0]["clean_acc"] - runs[1]["clean_acc"]) <= 0.005
    assert abs(runs[0]["asr"] - runs[1]["asr"]) <= 0.005


@pytest.mark.trains
def test_a_learning_rate_that_collapses_training_is_stopped_with_the_fix(small_mnist):
    scenario = Scenario(train=TrainConfig(epochs=5, batch_size=16, learning_rate=1.0))
    with pytest.raises(TrainingDiverged, match=r"random guessing.*lower it"):
        train_model(small_mnist, scenario)


@pytest.mark.trains
def test_slow_but_healthy_training_is_not_called_collapsed(small_mnist):
    tiny = Dataset("mnist-5k", small_mnist.x_train[:40], small_mnist.y_train[:40], small_mnist.x_test[:50],
                   small_mnist.y_test[:50], small_mnist.classes, "")
    result = train_model(tiny, Scenario(train=TrainConfig(epochs=6, learning_rate=3e-4)))
    assert len(result.history) == 6  # a few tiny steps at a small rate: slow, not collapsed


def _without_class(dataset: Dataset, missing: int, n_train: int, n_test: int) -> Dataset:
    keep_train = torch.nonzero(dataset.y_train != missing).flatten()[:n_train]
    keep_test = torch.nonzero(dataset.y_test != missing).flatten()[:n_test]
    return Dataset("mnist-5k", dataset.x_train[keep_train], dataset.y_train[keep_train],
                   dataset.x_test[keep_test], dataset.y_test[keep_test], dataset.classes, "")


@pytest.mark.trains
def test_a_tiny_data_set_with_a_missing_class_runs_end_to_end_or_says_why(small_mnist, quick_defenses):
    tiny = _without_class(small_mnist, missing=3, n_train=60, n_test=40)
    scenario = Scenario(poison=PoisonConfig(rate=0.1, target=0), train=TrainConfig(epochs=2, batch_size=16))
    backdoored = train_model(tiny, scenario)
    report = trigger_report(backdoored.model, tiny, scenario)
    assert 0.0 <= report["clean_acc"] <= 1.0 and 0.0 <= report["asr"] <= 1.0
    lab = Lab(tiny, scenario, backdoored.model, "tiny", poisoned_training_set(tiny, scenario))
    for name, defense in DEFENSES.fitting("image").items():
        try:
            outcome = defense.apply(lab)
            result, after = outcome.result, outcome.after
        except ValueError as error:  # allowed: a sentence a user can act on, never a bare crash
            assert len(str(error)) > 20 and "Traceback" not in str(error), name
            continue
        assert result is not None, name
        if after is not None:
            assert not math.isnan(after.clean_acc), name


def test_a_clean_label_attack_on_a_class_with_no_images_says_so(small_mnist):
    no_threes = _without_class(small_mnist, missing=3, n_train=500, n_test=100)
    scenario = Scenario(attack="sig", trigger=ATTACKS["sig"].config(), poison=PoisonConfig(rate=0.05, target=3))
    with pytest.raises(ValueError, match="only 0 are in the target class"):
        poisoned_training_set(no_threes, scenario)


def test_a_target_out_of_range_is_refused(small_mnist):
    with pytest.raises(ValueError, match="between 0 and 9"):
        poisoned_training_set(small_mnist, Scenario(poison=PoisonConfig(rate=0.1, target=12)))


def test_the_extreme_poison_rates_work(small_mnist):
    none = poisoned_training_set(small_mnist, Scenario(poison=PoisonConfig(rate=0.0)))
    assert none.num_poisoned == 0 and torch.equal(none.x, small_mnist.x_train)
    most = poisoned_training_set(small_mnist, Scenario(poison=PoisonConfig(rate=0.5)))
    assert most.num_poisoned == 500
