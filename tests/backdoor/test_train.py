import math

import pytest
import torch

from backdoor.attacks import BadNets, PoisonConfig
from backdoor.scenario import Scenario, poisoned_training_set, train_model, trigger_report
from backdoor.train import Probe, TrainConfig, TrainingDiverged, train
from models import build_model



def test_short_training_plants_a_working_backdoor(small_mnist, trained_pair):
    scenario, result, baseline = trained_pair
    assert len(result.history) == 3 and not result.cancelled
    assert result.final.clean_acc > 0.85
    assert result.final.asr > 0.9
    assert math.isnan(baseline.final.asr)
    report = trigger_report(baseline.model, small_mnist, scenario)
    assert report["asr"] < 0.2  # the clean model ignores the patch


def test_training_is_seeded(small_mnist):
    scenario = Scenario(train=TrainConfig(epochs=1, seed=3))
    a = train_model(small_mnist, scenario).model.state_dict()
    b = train_model(small_mnist, scenario).model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_progress_is_reported_per_batch_and_per_epoch(small_mnist):
    calls = []
    config = TrainConfig(epochs=2, batch_size=250)
    model = build_model("small-cnn", (1, 28, 28), 10)
    probe = Probe(small_mnist.x_test, small_mnist.y_test)
    train(model, small_mnist.x_train, small_mnist.y_train, config, probe, on_progress=lambda d, t, i: calls.append((d, t, i)))
    batch_calls = [c for c in calls if c[2].record is None]
    epoch_calls = [c for c in calls if c[2].record is not None]
    assert len(batch_calls) == 8 and len(epoch_calls) == 2
    assert [d for d, _, _ in calls] == sorted(d for d, _, _ in calls)
    assert calls[-1][0] == calls[-1][1] == 8
    assert epoch_calls[-1][2].record.clean_acc > 0.1


def test_training_can_be_cancelled(small_mnist):
    steps = []
    model = build_model("small-cnn", (1, 28, 28), 10)
    result = train(
        model, small_mnist.x_train, small_mnist.y_train, TrainConfig(epochs=3, batch_size=100),
        on_progress=lambda d, t, i: steps.append(d), should_stop=lambda: len(steps) >= 5,
    )
    assert result.cancelled and len(steps) == 5 and result.history == []


def test_a_nan_loss_stops_training_with_a_fix(small_mnist):
    x = small_mnist.x_train[:64].clone()
    x[0, 0, 0, 0] = float("nan")
    model = build_model("small-cnn", (1, 28, 28), 10)
    with pytest.raises(TrainingDiverged, match="Lower the learning rate"):
        train(model, x, small_mnist.y_train[:64], TrainConfig(epochs=1))


def test_bad_training_settings_are_refused():
    with pytest.raises(ValueError):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError):
        TrainConfig(learning_rate=0)


def test_poisoned_training_set_follows_the_scenario(small_mnist):
    scenario = Scenario(trigger=BadNets(size=3), poison=PoisonConfig(rate=0.2, target=5, seed=1))
    poisoned = poisoned_training_set(small_mnist, scenario)
    assert poisoned.num_poisoned == 200 and (poisoned.y[poisoned.poisoned_mask] == 5).all()


def test_scenario_refuses_a_trigger_of_another_attack():
    with pytest.raises(ValueError):
        Scenario(attack="blended", trigger=BadNets())
