"""What finished jobs took is remembered, and becomes the estimate of the same job or corrects its kind."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backdoor import estimates, job_records
from backdoor.busy import RunningJob
from backdoor.estimates import DataShape
from backdoor.scenario import Scenario
from backdoor.train import TrainConfig

DIGITS = DataShape("mnist-5k", train=4000, test=1000, image_shape=(1, 28, 28), num_classes=10)


def test_what_a_job_took_alone_is_its_next_estimate():
    scenario = Scenario(train=TrainConfig(epochs=7, seed=123))
    estimate = estimates.train_models(DIGITS, scenario, "cpu")
    assert not estimate.recorded
    job_records.record(estimate.signature, estimate.computed, RunningJob("training", 0.0, seconds=42.5, alone=False))
    assert not estimates.train_models(DIGITS, scenario, "cpu").recorded  # a crowded run says nothing
    job_records.record(estimate.signature, estimate.computed, RunningJob("training", 0.0, seconds=42.5, alone=True))
    again = estimates.train_models(DIGITS, scenario, "cpu")
    assert again.recorded and again.seconds == 42.5 and again.computed == pytest.approx(estimate.computed)
    other = estimates.train_models(DIGITS, replace(scenario, train=replace(scenario.train, epochs=8)), "cpu")
    assert not other.recorded


def test_new_jobs_of_a_kind_are_corrected_by_what_the_last_ones_took(monkeypatch, tmp_path):
    monkeypatch.setattr(job_records, "_records_path", lambda: tmp_path / "timings.json")
    first = estimates.train_models(DIGITS, Scenario(train=TrainConfig(epochs=3, seed=7)), "cpu")
    assert job_records.recorded_factor("train") is None and first.seconds == first.computed  # nothing learnt yet
    for took in (1.5, 1.2, 9.0):  # three finished alone, taking 1.5, 1.2 and 9 times their counts
        job = RunningJob("training", 0.0, seconds=took * first.computed, alone=True)
        job_records.record(f"{first.signature}-{took}", first.computed, job)
    job_records.record("('defense:strip', 1)", 1.0, RunningJob("strip", 0.0, seconds=100.0, alone=True))  # another kind
    assert job_records.recorded_factor("train") == pytest.approx(1.5, rel=1e-3)  # the median: one odd run moves nothing
    other = estimates.train_models(DIGITS, Scenario(train=TrainConfig(epochs=4, seed=7)), "cpu")
    assert not other.recorded and other.seconds == pytest.approx(1.5 * other.computed, rel=1e-3)


def test_a_job_far_quicker_than_its_count_corrects_nothing(monkeypatch, tmp_path):
    """A challenge whose models were all stored took 0.03 s against 47 s counted: it skipped the work
    the count included, and once set every new challenge's estimate to a third of what it took."""
    monkeypatch.setattr(job_records, "_records_path", lambda: tmp_path / "timings.json")
    job_records.record("('trainings', 'a')", 47.0, RunningJob("trainings", 0.0, seconds=0.028, alone=True))
    assert job_records.recorded_factor("trainings") is None
    job_records.record("('trainings', 'b')", 40.0, RunningJob("trainings", 0.0, seconds=10.0, alone=True))  # 0.25: kept
    job_records.record("('trainings', 'c')", 40.0, RunningJob("trainings", 0.0, seconds=48.0, alone=True))
    assert job_records.recorded_factor("trainings") == pytest.approx((0.25 + 1.2) / 2)
    job_records.record("('trainings', 'd')", 10.0, RunningJob("trainings", 0.0, seconds=30.0, alone=True))  # slow: kept
    assert job_records.recorded_factor("trainings") == pytest.approx(1.2)
