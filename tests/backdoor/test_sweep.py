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
    from backdoor.sweep import poison_rate_sweep

    calls = []
    scenario = Scenario(poison=PoisonConfig(rate=0.1), train=TrainConfig(epochs=2))
    points = poison_rate_sweep(small_mnist, scenario, [2, 100], on_progress=lambda d, t, i: calls.append((d, t)))
    assert [p.poisoned_images for p in points] == [2, 100]
    assert points[1].asr > points[0].asr and points[1].asr > 0.8
    assert calls[-1][0] == calls[-1][1]
    stopped = poison_rate_sweep(small_mnist, scenario, [2, 100], should_stop=lambda: True)
    assert stopped == []
