"""The poison-rate sweep: its counts, and attack success growing with the poison."""

from backdoor.train import TrainConfig


def test_sweep_counts_go_from_a_handful_to_ten_percent():
    from backdoor.sweep import sweep_counts

    assert sweep_counts(4000, 3600) == [5, 10, 25, 50, 100, 200, 400]
    assert sweep_counts(4000, 300) == [5, 10, 25, 50, 100, 200]  # never beyond what can be poisoned
    assert sweep_counts(30, 30) == [1, 2, 3, 5, 10]  # nor beyond half a tiny training set


def test_poison_rate_sweep_asr_grows_with_the_poison(small_mnist):
    from backdoor.attacks import PoisonConfig
    from backdoor.scenario import Scenario
    from backdoor.sweep import poison_rate_sweep, stored_counts

    calls = []
    scenario = Scenario(poison=PoisonConfig(rate=0.1), train=TrainConfig(epochs=2))
    points = poison_rate_sweep(small_mnist, scenario, [2, 100], on_progress=lambda d, t, i: calls.append((d, t)))
    assert [p.poisoned_images for p in points] == [2, 100]
    assert points[1].asr > points[0].asr and points[1].asr > 0.8
    assert calls[-1][0] == calls[-1][1]
    # both models went into the store, so a later sweep loads them; a count never trained is not there
    assert stored_counts(scenario, [2, 7, 100], len(small_mnist.y_train)) == [2, 100]
    stopped = poison_rate_sweep(small_mnist, scenario, [2, 100], should_stop=lambda: True)
    assert stopped == []


def test_a_finished_sweep_is_kept_in_the_store_for_every_server(tmp_path, monkeypatch):
    from dataclasses import replace

    from backdoor.attacks import PoisonConfig
    from backdoor.results import result_path
    from backdoor.scenario import Scenario
    from backdoor.sweep import SweepPoint, load_sweep, save_sweep, sweep_key

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path / "models"))
    scenario = Scenario(poison=PoisonConfig(rate=0.1), train=TrainConfig(epochs=2))
    points = [SweepPoint(5, 0.00125, 0.97, 0.12, 3.0), SweepPoint(100, 0.025, 0.968, 1.0, 3.1)]
    assert load_sweep(scenario, [5, 100], "cpu") is None
    save_sweep(scenario, [5, 100, 400], "cpu", points[:2])  # stopped before its last count: not kept
    assert load_sweep(scenario, [5, 100, 400], "cpu") is None
    save_sweep(scenario, [5, 100], "cpu", points)
    assert load_sweep(scenario, [5, 100], "cpu") == points
    # the rate the page is set to does not matter (the sweep replaces it); the rest does
    assert load_sweep(replace(scenario, poison=PoisonConfig(rate=0.02)), [5, 100], "cpu") == points
    assert load_sweep(replace(scenario, train=TrainConfig(epochs=3)), [5, 100], "cpu") is None
    assert load_sweep(scenario, [5, 100], "cuda") is None
    result_path("sweep", sweep_key(scenario, [5, 100], "cpu")).write_text("[{\"half\": ")  # damaged
    assert load_sweep(scenario, [5, 100], "cpu") is None
