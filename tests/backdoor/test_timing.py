"""Estimates come from measurements on this machine, scale with the work, and say so in words.

No test here asserts how fast anything is: timing targets live in benchmarks/ (``estimates``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from backdoor import busy, estimates, timing
from backdoor.busy import JOBS, Load
from backdoor.estimates import DataShape
from backdoor.scenario import Scenario
from backdoor.train import TrainConfig

DIGITS = DataShape("mnist-5k", train=4000, test=1000, image_shape=(1, 28, 28), num_classes=10)


def test_a_training_estimate_scales_with_its_work():
    short = Scenario(train=TrainConfig(epochs=2))
    long = replace(short, train=replace(short.train, epochs=4))
    half = replace(DIGITS, train=2000)
    estimates.training_seconds(half, long, "cpu")  # measures the unit costs once
    with timing.measured_only():  # then holds them, so the three estimates share one set of figures
        two, four, fewer = (estimates.training_seconds(d, s, "cpu") for d, s in ((DIGITS, short), (DIGITS, long),
                                                                                 (half, long)))
        rig = DIGITS.rig(short.model, "cpu")
        step, stamp = timing.train_step_seconds(rig, 64), timing.stamp_seconds(short.trigger, DIGITS.image_shape)
    assert 0 < two < four and 0 < fewer < four
    poisoning = 400 * stamp  # 10% of 4,000 images stamped once; the epochs' part doubles with the epochs
    assert four - poisoning == pytest.approx(2 * (two - poisoning))
    # half the images: half the poison to stamp and 32 batches an epoch instead of 63
    assert four - fewer == pytest.approx(200 * stamp + 4 * (63 - 32) * step)


def test_a_training_estimate_is_steps_times_a_measured_step_plus_the_probes():
    scenario = Scenario(train=TrainConfig(epochs=3))
    rig = DIGITS.rig(scenario.model, "cpu")
    step = timing.train_step_seconds(rig, scenario.train.batch_size)
    infer = timing.inference_seconds(rig)
    stamp = timing.stamp_seconds(scenario.trigger, DIGITS.image_shape)
    assert 0 < step < 60 and 0 < infer < 1 and 0 < stamp < 1  # measured, so positive and finite
    probe = DIGITS.held_out * infer + DIGITS.held_out * 0.9 * (infer + stamp)
    expected = 400 * stamp + 3 * (math.ceil(4000 / 64) * step + probe)
    with timing.measured_only():  # the figures just read, not a fresh measurement
        assert estimates.training_seconds(DIGITS, scenario, "cpu") == pytest.approx(expected)
        # the clean baseline has no poison and measures no attack success rate
        baseline = estimates.training_seconds(DIGITS, scenario.baseline(), "cpu", measure_asr=False)
    assert baseline == pytest.approx(3 * (math.ceil(4000 / 64) * step + DIGITS.held_out * infer))


def test_jobs_are_sums_of_their_parts():
    scenario = Scenario(train=TrainConfig(epochs=2))
    both = estimates.train_models(DIGITS, scenario, "cpu").computed
    one = estimates.train_models(DIGITS, scenario, "cpu", ["backdoored"]).computed
    assert both > one > 0
    from backdoor.defenses.registry import DEFENSES

    defenses = {name: defense.seconds(DIGITS, scenario, "cpu") for name, defense in DEFENSES.fitting("image").items()}
    assert all(seconds > 0 for seconds in defenses.values())
    from backdoor.defenses.neural_cleanse import NeuralCleanseConfig

    search = estimates.search_seconds(DIGITS, scenario.model, "cpu", NeuralCleanseConfig(), DIGITS.defender)
    longer = estimates.search_seconds(DIGITS, scenario.model, "cpu", NeuralCleanseConfig(steps=600), DIGITS.defender)
    assert defenses["neural_cleanse"] > search and longer > 1.5 * search
    from backdoor.matrix import MatrixConfig, estimate

    matrix = estimate(DIGITS, MatrixConfig(train=scenario.train, rows=("badnets",)), "cpu").computed
    assert matrix > sum(defenses[c] for c in ("neural_cleanse", "fine_pruning", "strip"))


def test_a_sweep_estimate_trains_only_the_counts_not_stored():
    scenario, counts = Scenario(train=TrainConfig(epochs=2)), [5, 50, 400]
    estimates.sweep(DIGITS, scenario, counts, "cpu")  # measures the unit costs once
    with timing.measured_only():
        full, none_stored, all_stored = (estimates.sweep(DIGITS, scenario, counts, "cpu", stored).computed
                                         for stored in ((), (), counts))
        partial = estimates.sweep(DIGITS, scenario, counts, "cpu", [50]).computed
        fifty = replace(scenario, poison=replace(scenario.poison, rate=50 / 4000))
        trained = estimates.training_seconds(DIGITS, fifty, "cpu")
    assert full == none_stored and partial == pytest.approx(full - trained)
    assert 0 < all_stored < partial  # what is left is measuring each model


def test_each_unit_is_measured_once_per_process():
    calls = []

    def measure():
        calls.append(1)
        return 0.25

    key = ("test-unit", id(calls))
    assert timing.MEASURED.get(key, measure) == 0.25
    assert timing.MEASURED.get(key, measure) == 0.25
    assert len(calls) == 1
    with timing.measured_only():
        assert timing.MEASURED.get(key, measure) == 0.25
        with pytest.raises(timing.NotMeasuredYet):
            timing.MEASURED.get(("test-unit", "never measured"), measure)


def test_a_figure_measured_while_busy_is_measured_again_once_quiet(monkeypatch):
    quiet = Load((), 0.0, 2)
    monkeypatch.setattr(timing, "machine_load", lambda: quiet)
    monkeypatch.setattr(busy.CpuWindow, "other_processes_cores", lambda self: 0.0)
    figures = iter([9.0, 1.0])
    key = ("test-busy", id(figures))
    with JOBS.running("someone's training"):
        assert timing.MEASURED.get(key, lambda: next(figures)) == 9.0  # measured while another job ran
    assert timing.MEASURED.get(key, lambda: next(figures)) == 1.0  # quiet now: measured again
    assert timing.MEASURED.get(key, lambda: 5.0) == 1.0  # and kept


def test_the_busy_note_appears_while_a_job_runs():
    assert estimates.busy_note(Load((), 0.0, 2)) == ""
    with JOBS.running("training"):
        load = busy.machine_load()
        assert load.jobs == ("training",) and load.busy
        assert estimates.busy_note(load) == "The server is busy with 1 other job right now (training), so expect longer."
        with JOBS.running("the matrix"):
            assert "busy with 2 other jobs" in estimates.busy_note(busy.machine_load())
    assert busy.machine_load().jobs == ()


def test_other_programs_on_the_processor_make_it_busy():
    assert not Load((), busy.BUSY_CORES - 0.01, 2).busy
    assert Load((), busy.BUSY_CORES, 2).busy
    assert estimates.busy_note(Load((), 1.5, 2)) == ("The processor is busy with other programs right now (1.5 of 2 "
                                                     "cores), so expect longer.")


def test_a_job_knows_whether_it_ran_alone(monkeypatch):
    monkeypatch.setattr(busy.CpuWindow, "other_processes_cores", lambda self: 0.0)
    with JOBS.running("alone") as alone:
        pass
    with JOBS.running("first") as first:
        with JOBS.running("second") as second:
            pass
    assert alone.alone and not first.alone and not second.alone
    assert alone.seconds >= 0


@pytest.mark.parametrize("seconds, words", [
    (0.2, "about 1 s"), (7.4, "about 7 s"), (19.4, "about 19 s"), (20, "about 20 s"), (87, "about 85 s"),
    (89.9, "about 90 s"), (90, "about 1.5 minutes"), (211, "about 3.5 minutes"), (599, "about 10 minutes"),
    (3600, "about 60 minutes"),
])
def test_durations_in_words(seconds, words):
    assert estimates.about(seconds) == words


@pytest.mark.parametrize("elapsed, fraction, words", [
    (10, 0.04, ""), (1.9, 0.5, ""), (10, 0.5, "about 10 s left"), (30, 0.25, "about 1.5 minutes left"),
    (10, 1.0, ""),
])
def test_time_left_is_extrapolated_from_the_time_so_far(elapsed, fraction, words):
    assert estimates.time_left(elapsed, fraction) == words


def test_what_training_took_labels_stored_models():
    fresh = [("backdoored model", 6.93, "cpu", False), ("clean baseline", 5.7, "cpu", False)]
    assert estimates.training_took(fresh, "cpu") == "Training took 6.9 s (backdoored model) and 5.7 s (clean baseline) on cpu."
    stored = [(n, s, d, True) for n, s, d, _ in fresh]
    assert estimates.training_took(stored, "cuda") == (
        "Training took 6.9 s (backdoored model) and 5.7 s (clean baseline) on cpu when they were stored; "
        "loaded from the model store now.")
    mixed = [fresh[0], ("clean baseline", 5.7, "", True)]  # an entry stored before the device was recorded
    assert estimates.training_took(mixed, "cpu") == (
        "Training took 6.9 s (backdoored model, on cpu just now) and 5.7 s (clean baseline, when it was stored; "
        "loaded from the model store now).")


def test_a_measurement_leaves_the_global_random_generator_alone():
    import torch

    rig = timing.Rig("small-cnn", (1, 28, 28), 10)
    torch.manual_seed(5)
    before = torch.get_rng_state()
    rig.build()
    timing.inference_seconds(rig)
    assert torch.equal(torch.get_rng_state(), before)
    assert rig.layer_channels("conv2") == 64


def test_a_background_measurement_gives_way_to_a_users_job():
    import threading

    measured = threading.Event()
    key = ("test-give-way", id(measured))

    def background() -> None:
        with timing.giving_way():
            timing.MEASURED.get(key, lambda: measured.set() or 1.0)

    with JOBS.running("a user's training"):
        thread = threading.Thread(target=background)
        thread.start()
        thread.join(timeout=0.6)
        assert not measured.is_set()  # waits while the job runs
    thread.join(timeout=10)
    assert measured.is_set()


def test_a_background_measurement_under_way_stops_when_a_users_job_starts():
    import threading

    started, job_started, release = threading.Event(), threading.Event(), threading.Event()
    steps_beside_the_job: list[int] = []
    key = ("test-give-way-midway", id(started))

    def measure() -> float:
        def run(tick) -> None:
            for _ in range(200):
                started.set()
                job_started.wait(timeout=5)
                steps_beside_the_job.append(1) if JOBS.names() else None
                tick()

        return timing.step_times(run)

    def background() -> None:
        with timing.giving_way():
            timing.MEASURED.get(key, measure)

    thread = threading.Thread(target=background)
    thread.start()
    assert started.wait(timeout=5)
    with JOBS.running("a user's training"):
        job_started.set()
        thread.join(timeout=0.6)
        assert thread.is_alive()  # dropped its measurement and waits for the job to end
        assert len(steps_beside_the_job) == 1  # at most one step ran beside the job
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert timing.MEASURED.get(key, lambda: -1.0) > 0  # measured again once the job ended, and kept


def test_only_jobs_and_other_programs_make_the_server_look_busy():
    import subprocess
    import sys
    import threading

    def reading_while(start, stop) -> float:
        """A fresh machine_load reading while some work runs (``start`` returns once it spins)."""
        start()
        try:
            busy._last_load[:] = [0.0, None]
            return busy.machine_load().cpu_cores
        finally:
            stop()

    spinning, done = threading.Event(), threading.Event()

    def spin():
        spinning.set()
        while not done.is_set():
            sum(i * i for i in range(2_000))

    spinner = threading.Thread(target=spin)
    # this process's own work outside jobs (page drawing, the start-up warm-up)
    own = reading_while(lambda: (spinner.start(), spinning.wait(5)), lambda: (done.set(), spinner.join()))
    programs = []  # another program on the CPU

    def start_program():
        programs.append(subprocess.Popen([sys.executable, "-c", "print('spinning', flush=True)\nwhile True: pass"],
                                         stdout=subprocess.PIPE, text=True))
        assert programs[0].stdout.readline() == "spinning\n"  # past its start-up, into the loop

    elsewhere = reading_while(start_program, lambda: (programs[0].kill(), programs[0].wait()))
    assert own < busy.BUSY_CORES <= elsewhere, (own, elsewhere)


def test_one_measurement_runs_at_a_time_so_none_reads_the_other_as_its_own_slowness():
    import threading
    import time

    inside, overlaps = [], []
    tag = object()

    def measure() -> float:
        inside.append(1)
        overlaps.append(len(inside) > 1)
        time.sleep(0.05)
        inside.pop()
        return 1.0

    def ask(name: str) -> None:
        for i in range(5):
            timing.MEASURED.get(("test-one-at-a-time", id(tag), name, i), measure)

    threads = [threading.Thread(target=ask, args=(name,)) for name in ("warm-up", "page", "other page")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(overlaps) == 15 and not any(overlaps)


def test_a_measurement_may_ask_for_another_figure_inside_it():
    tag = object()
    inner = ("test-nested", id(tag), "inner")
    outer = timing.MEASURED.get(("test-nested", id(tag), "outer"), lambda: 2 * timing.MEASURED.get(inner, lambda: 0.5))
    assert outer == 1.0 and timing.MEASURED.get(inner, lambda: -1.0) == 0.5


def test_a_page_asking_for_one_figure_waits_for_the_measurement_under_way_not_the_whole_warm_up():
    import threading
    import time

    tag = object()
    order: list[str] = []
    first_started = threading.Event()

    def warm_up() -> None:
        def measure_slowly(i: int) -> float:
            first_started.set()
            time.sleep(0.1)
            order.append(f"warm-up {i}")
            return 1.0

        for i in range(10):
            timing.MEASURED.get(("test-turns", id(tag), i), lambda i=i: measure_slowly(i))

    background = threading.Thread(target=warm_up)
    background.start()
    assert first_started.wait(timeout=10)
    timing.MEASURED.get(("test-turns", id(tag), "page"), lambda: order.append("page") or 1.0)
    background.join(timeout=30)
    assert order.index("page") <= 2  # after the measurement under way (and at most the one it queued behind)


def test_a_figure_measured_beside_a_pages_computation_is_measured_again_once_it_ends(monkeypatch):
    import threading

    from backdoor.memo import SharedMemo

    monkeypatch.setattr(timing, "machine_load", lambda: Load((), 0.0, 2))
    monkeypatch.setattr(busy.CpuWindow, "other_processes_cores", lambda self: 0.0)  # no other program
    computing, done = threading.Event(), threading.Event()

    def page() -> None:  # another student's page computing the drill's traffic, in this process
        SharedMemo(1).get_or_compute("traffic", lambda: (computing.set(), done.wait(timeout=10)))

    other = threading.Thread(target=page)
    other.start()
    assert computing.wait(timeout=10)
    figures = iter([9.0, 1.0])
    key = ("test-page-work", id(figures))
    assert timing.MEASURED.get(key, lambda: next(figures)) == 9.0  # read slow beside it, and marked so
    assert timing.MEASURED.get(key, lambda: next(figures)) == 9.0  # not measured again while it still runs
    done.set()
    other.join(timeout=10)
    assert timing.MEASURED.get(key, lambda: next(figures)) == 1.0  # it ended: measured again
    assert timing.MEASURED.get(key, lambda: 5.0) == 1.0  # and kept


def test_a_background_measurement_gives_way_to_a_pages_computation():
    import threading

    from backdoor.memo import SharedMemo

    computing, done, measured = threading.Event(), threading.Event(), threading.Event()
    key = ("test-give-way-page", id(measured))

    def background() -> None:
        with timing.giving_way():
            timing.MEASURED.get(key, lambda: measured.set() or 1.0)

    page = threading.Thread(target=lambda: SharedMemo(1).get_or_compute(
        "figures", lambda: (computing.set(), done.wait(timeout=10))))
    page.start()
    assert computing.wait(timeout=10)
    thread = threading.Thread(target=background)
    thread.start()
    thread.join(timeout=0.6)
    assert not measured.is_set()  # waits while the page computes
    done.set()
    page.join(timeout=10)
    thread.join(timeout=10)
    assert measured.is_set()


def test_within_one_reading_a_figure_quoted_twice_reads_the_same(monkeypatch):
    monkeypatch.setattr(timing, "machine_load", lambda: Load((), 0.0, 2))
    monkeypatch.setattr(busy.CpuWindow, "other_processes_cores", lambda self: 0.0)
    figures = iter([9.0, 1.0])
    key = ("test-one-reading", id(figures))
    with timing.one_reading():
        with JOBS.running("someone's training"):
            assert timing.MEASURED.get(key, lambda: next(figures)) == 9.0  # measured while busy
        # quiet now, and measured again elsewhere (another page, the warm-up)
        assert timing.MEASURED.get(key, lambda: next(figures)) == 9.0  # this page keeps the figure it quoted
        with timing.one_reading():  # nested: still the page's one reading
            with timing.measured_only():
                assert timing.MEASURED.get(key, lambda: -1.0) == 9.0
    assert timing.MEASURED.get(key, lambda: next(figures)) == 1.0  # the next run reads the quiet figure


def test_a_figure_taken_while_busy_is_measured_again_in_the_background_once_quiet(monkeypatch):
    monkeypatch.setattr(busy.CpuWindow, "other_processes_cores", lambda self: 0.0)
    load = [Load((), 0.0, 2, browser_cores=1.5)]  # a browser drawing the first page
    monkeypatch.setattr(timing, "machine_load", lambda: load[0])
    timing.MEASURED.clear()
    figures = iter([9.0, 4.0, 1.0])
    key = ("test-refresh", id(figures))
    with JOBS.running("someone's training"):
        assert timing.MEASURED.get(key, lambda: next(figures)) == 9.0
    assert timing.MEASURED.busy_figures() == [key]
    assert timing.MEASURED.get(key, lambda: -1.0) == 9.0  # a page reads it at once while the browser draws
    assert not timing.MEASURED.refresh()  # not quiet: nothing measured
    load[0] = Load((), 0.0, 2)
    other = ("test-refresh", id(figures), "other")
    with JOBS.running("a third training"):
        timing.MEASURED.get(other, lambda: 7.0)
    assert timing.MEASURED.busy_figures() == [key, other]
    assert timing.MEASURED.refresh()  # the oldest first, measured by the background, not a page
    assert timing.MEASURED.get(key, lambda: -1.0) == 4.0 and timing.MEASURED.busy_figures() == [other]
    assert timing.MEASURED.refresh() and timing.MEASURED.busy_figures() == []
    assert not timing.MEASURED.refresh()  # nothing left


def test_a_refreshed_figure_still_busy_goes_to_the_back_of_the_line(monkeypatch):
    monkeypatch.setattr(timing, "machine_load", lambda: Load((), 0.0, 2))
    timing.MEASURED.clear()
    first, second = ("test-line", 1), ("test-line", 2)
    for key in (first, second):
        with JOBS.running("a training"):
            timing.MEASURED.get(key, lambda: 5.0)
    monkeypatch.setattr(busy.CpuWindow, "other_processes_cores", lambda self: 1.5)  # a program starts meanwhile
    assert timing.MEASURED.refresh()
    assert timing.MEASURED.busy_figures() == [second, first]


def test_the_warm_up_takes_torchs_first_steps_untimed_before_measuring(monkeypatch):
    calls = []
    monkeypatch.setattr(timing, "_first_steps", lambda rig: calls.append("first steps"))
    monkeypatch.setattr(timing, "train_step_seconds", lambda rig: calls.append("train step") or 1.0)
    monkeypatch.setattr(timing, "inference_seconds", lambda rig: calls.append("inference") or 1.0)
    timing.warm_up([DIGITS.rig("small-cnn", "cpu")])
    assert calls == ["first steps", "train step", "inference"]
