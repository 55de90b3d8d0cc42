"""The instant grid: which settings it holds, its lookup, off-grid settings, and the sweep's numbers."""

from dataclasses import replace

import pytest

from backdoor.attacks import BadNets, PoisonConfig
from backdoor.train import TrainConfig


@pytest.fixture(scope="module")
def tiny_mnist(mnist):
    """100 training and 100 test digits: a grid of 1-epoch models trains in seconds."""
    from backdoor.datasets import Dataset

    return Dataset(name="mnist-5k-tiny", x_train=mnist.x_train[:100], y_train=mnist.y_train[:100],
                   x_test=mnist.x_test[:100], y_test=mnist.y_test[:100], classes=mnist.classes,
                   description=mnist.description)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path / "models"))
    return tmp_path / "models"


def tiny_base():
    from backdoor.scenario import Scenario

    return Scenario(train=TrainConfig(epochs=1, batch_size=16))


def test_the_default_grid_is_each_attack_at_the_sweeps_rates_and_badnets_patches(mnist):
    from backdoor.grid import GRID, grid_rates, grid_scenarios, image_attacks
    from backdoor.scenario import Scenario

    assert image_attacks("mnist-5k") == ["badnets", "blended", "wanet", "sig", "adap_blend"]  # the sticker needs signs
    points = grid_scenarios(mnist, Scenario(), GRID)
    assert len(points) == len(set(points)) == 42
    sweep = [c / 4000 for c in (5, 10, 25, 50, 100, 200, 400)]
    badnets = [p.poison.rate for p in points if p.attack == "badnets" and p.trigger == BadNets()]
    assert badnets == sweep  # 10%, BadNets' own default, is a sweep count already
    wanet = [p for p in points if p.attack == "wanet"]
    assert grid_rates(mnist, wanet[0]) == sorted(sweep + [0.2])  # where choosing WaNet puts the slider
    patches = {(p.trigger.size, p.trigger.position) for p in points if p.attack == "badnets" and p.trigger != BadNets()}
    assert patches == {(2, "bottom-right"), (6, "bottom-right"), (4, "top-left"), (4, "centre")}
    assert {p.poison.rate for p in points if p.trigger != BadNets() and p.attack == "badnets"} == {0.1}
    assert all(p.train == Scenario().train and p.target == 0 for p in points)


def test_a_grid_point_is_named_in_words():
    from backdoor.grid import point_name, with_rate
    from backdoor.scenario import Scenario

    assert point_name(with_rate(Scenario(), 5 / 4000)) == "BadNets (visible patch), 0.125% poisoned"
    assert point_name(replace(Scenario(), trigger=BadNets(position="centre"))) == (
        "BadNets (visible patch), 10% poisoned, 4-pixel patch at centre")


def test_the_grid_reads_the_sweeps_models_and_numbers_and_trains_nothing_twice(tiny_mnist, store):
    from backdoor.grid import (GridSpec, grid_rates, grid_scenarios, lookup, missing_models, stored_rates, warm_grid,
                               with_rate)
    from backdoor.sweep import load_sweep, poison_rate_sweep, sweep_counts

    spec = GridSpec(attacks=("badnets",), sizes=(), positions=())
    base = tiny_base()
    counts = sweep_counts(100, int((tiny_mnist.y_train != 0).sum()))
    assert counts == [2, 5, 10, 25, 50]
    swept = poison_rate_sweep(tiny_mnist, base, counts)  # the Poison page's sweep: trains and stores each model
    assert load_sweep(base, counts, "cpu") is None  # (the page keeps a sweep; the bare function does not)

    assert [kind for _, kind in missing_models(tiny_mnist, base, spec)] == ["baseline"]  # the sweep stored the rest
    messages = []
    warmed = warm_grid(tiny_mnist, base, spec, on_message=messages.append)
    assert warmed.points == len(grid_scenarios(tiny_mnist, base, spec)) == 5
    assert warmed.trained == 1  # the clean baseline alone: the sweep's 5 models were reused
    for point in swept:
        figures = lookup(with_rate(base, point.rate))
        assert (figures.backdoored.clean_acc, figures.backdoored.asr) == (point.clean_acc, point.asr)
        assert figures.poisoned_images == point.poisoned_images
    kept = load_sweep(base, counts, "cpu")  # warming the grid stored the sweep from the same figures
    assert [(p.clean_acc, p.asr) for p in kept] == [(p.clean_acc, p.asr) for p in swept]
    assert stored_rates(tiny_mnist, base, spec) == grid_rates(tiny_mnist, base, spec)

    assert missing_models(tiny_mnist, base, spec) == []
    again = warm_grid(tiny_mnist, base, spec, on_message=messages.append)
    assert (again.trained, again.points) == (0, 5)
    assert messages[-1] == "The instant grid: 5 settings, 0 to measure."


def test_a_grid_point_holds_both_models_curves_and_the_backdoored_models_answers(tiny_mnist, store):
    from backdoor.grid import GridSpec, lookup, warm_grid, with_rate
    from backdoor.metrics import predict
    from backdoor.scenario import trigger_report
    from backdoor.store import load_model

    base = tiny_base()
    warm_grid(tiny_mnist, base, GridSpec(attacks=("badnets",), rates=(0.1,), sizes=(), positions=()),
              on_message=lambda _: None)
    scenario = with_rate(base, 0.1)
    figures = lookup(scenario)
    model = load_model(scenario, "backdoored", tiny_mnist.image_shape, tiny_mnist.num_classes).model
    baseline = load_model(scenario, "baseline", tiny_mnist.image_shape, tiny_mnist.num_classes).model
    assert trigger_report(model, tiny_mnist, scenario) == {"clean_acc": figures.backdoored.clean_acc,
                                                           "asr": figures.backdoored.asr}
    assert trigger_report(baseline, tiny_mnist, scenario)["asr"] == figures.baseline.asr
    assert [r.epoch for r in figures.backdoored.history] == [r.epoch for r in figures.baseline.history] == [1]
    assert figures.poisoned_images == 10
    x, y = tiny_mnist.held_out
    rows = [row for row, _, _ in figures.samples]
    assert len(rows) == 4 and all(int(y[row]) != 0 for row in rows)  # images the trigger tries to move
    assert [clean for _, clean, _ in figures.samples] == predict(model, x[rows]).tolist()
    assert [fired for _, _, fired in figures.samples] == predict(model, scenario.stamp(x[rows])).tolist()


def test_settings_off_the_grid_have_no_figures(tiny_mnist, store):
    from backdoor.grid import GridSpec, lookup, stored_rates, warm_grid, with_rate
    from backdoor.results import result_path
    from backdoor.store import model_hash

    base = tiny_base()
    spec = GridSpec(attacks=("badnets",), rates=(0.1,), sizes=(), positions=())
    assert lookup(with_rate(base, 0.1)) is None  # not warmed yet
    warm_grid(tiny_mnist, base, spec, on_message=lambda _: None)
    assert lookup(with_rate(base, 0.1)) is not None
    assert lookup(with_rate(base, 0.07)) is None  # a rate off the grid
    assert lookup(replace(with_rate(base, 0.1), trigger=BadNets(size=3))) is None  # a patch off the grid
    assert lookup(replace(with_rate(base, 0.1), poison=PoisonConfig(rate=0.1, target=3))) is None  # another target
    assert stored_rates(tiny_mnist, base, GridSpec(attacks=("badnets",), rates=(0.05, 0.1))) == [0.1]
    result_path("instant", model_hash(with_rate(base, 0.1), "backdoored")).write_text("{ damaged")
    assert lookup(with_rate(base, 0.1)) is None  # a damaged entry counts as missing


@pytest.mark.parametrize("count,train_images,pct", [(5, 4000, 0.125), (25, 4000, 0.625), (400, 4000, 10.0),
                                                    (2, 100, 2.0), (7, 300, 2.333333333), (320, 4000, 8.0)])
def test_a_grid_rate_survives_the_sliders_percentage(count, train_images, pct):
    from backdoor.grid import rate_percent

    rate = count / train_images
    assert abs(rate_percent(rate) - pct) < 1e-9  # a short decimal where there is one (7/300 has none)
    assert rate_percent(rate) / 100 == rate  # and the store finds the same model from it


def test_make_warm_prepares_the_grid_around_the_classes_seed(monkeypatch, store):
    import backdoor.prepare as prepare
    from backdoor.grid import GRID
    from backdoor.presets import class_setup

    asked = []
    monkeypatch.setattr(prepare, "prepare_grid", lambda base, spec, device: asked.append((base, spec)))
    assert prepare.main(["--grid", "--seed", "3"]) == []  # the grid alone: no preset trained
    assert asked == [(class_setup(None, 3), GRID)]
