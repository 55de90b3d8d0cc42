"""AppTest: the pages show times measured on this server, say when it is busy, label a stored
model's time as stored, and end a collapsed run cleanly. (No wall-clock asserts: see benchmarks/.)"""

from __future__ import annotations

import re

import pytest
from apptest import fresh_app, texts

from backdoor import busy
from backdoor.busy import JOBS


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch):
    """These tests read the pages' words to the letter: other programs loading the machine (a build,
    another test run) would add their own "the processor is busy" sentence. This server's own jobs
    still count, as the busy test needs."""
    monkeypatch.setattr(busy, "machine_load", lambda: busy.Load(JOBS.names(), 0.0, 2))


def test_the_train_page_shows_a_time_measured_on_this_server(monkeypatch):
    from backdoor import timing
    from backdoor.datasets import load_dataset
    from backdoor.scenario import Scenario
    from backdoor.train import TrainConfig
    from ui.training import training_estimate

    monkeypatch.setattr(timing, "MEASURED", timing._Measurements())  # a server that has measured nothing yet
    at = fresh_app(**{"train.epochs": 27})  # settings nobody trained
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    info = "\n".join(i.value for i in at.info)
    # the page never waits for a measurement (a minute on a busy server): it says so, and offers the button
    assert "How long that takes on this server is still being measured." in info
    assert not [k for k in timing.MEASURED._values]  # and measured nothing itself
    assert any(b.key == "btn.train" for b in at.button)
    training_estimate(load_dataset("mnist-5k"), Scenario(train=TrainConfig(epochs=27)), "cpu")  # the warm-up's work
    at.run()
    info = "\n".join(i.value for i in at.info)
    assert "With these settings that takes about" in info and "on this server" in info and "laptop" not in info


def test_the_train_page_says_when_the_server_is_busy():
    at = fresh_app(**{"train.epochs": 27})
    at.run()
    with JOBS.running("training"):  # another user's job in this server process
        at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert "The server is busy with 1 other job right now (training), so expect longer." in texts(at)


def test_a_collapsed_run_ends_the_run_and_keeps_its_explanation():
    at = fresh_app(**{"train.learning_rate": 1.0, "train.epochs": 3})
    at.run()
    at.switch_page("pages/train.py").run()
    at.button(key="btn.train").click().run()
    assert not at.exception, at.exception

    def explained() -> bool:
        return any("learning rate" in e.value.lower() for e in at.error)

    assert explained()
    assert not any(b.key == "btn.train.stop" for b in at.button)  # the Stop button went with the run
    at.run()  # any rerun (another click, a widget) keeps the explanation
    assert explained() and not any(b.key == "btn.train.stop" for b in at.button)
    at.session_state["train.learning_rate"] = 0.003  # other settings: the old explanation no longer applies
    at.run()
    assert not explained()


def test_a_stored_model_shows_the_time_it_took_labelled_as_stored():
    from backdoor.attacks import PoisonConfig
    from backdoor.datasets import load_dataset
    from backdoor.scenario import Scenario, train_model
    from backdoor.store import save_model, trained_scenario
    from backdoor.train import TrainConfig

    scenario = Scenario(poison=PoisonConfig(rate=0.1), train=TrainConfig(epochs=1, batch_size=256))
    dataset = load_dataset("mnist-5k")
    seconds = {}
    for kind in ("backdoored", "baseline"):
        result = train_model(dataset, trained_scenario(scenario, kind), measure_asr=kind == "backdoored")
        save_model(scenario, kind, result)
        seconds[kind] = result.seconds
    at = fresh_app(**{"train.epochs": 1, "train.batch_size": 256})
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("Training took"))
    assert f"{seconds['backdoored']:.1f} s (backdoored model)" in caption
    assert f"{seconds['baseline']:.1f} s (clean baseline)" in caption
    assert "when they were stored; loaded from the model store now" in caption


def test_the_training_options_and_the_sweep_never_measure_on_the_page_but_on_the_click(monkeypatch):
    from apptest import trained

    from backdoor import timing
    from backdoor.train_options import OPTIONS

    monkeypatch.setattr(timing, "MEASURED", timing._Measurements())  # a fresh server, its warm-up not done
    at = fresh_app(**{"train.epochs": 1})
    at.run()
    at.switch_page("pages/poison.py").run()
    assert not at.exception, at.exception
    assert any("one per poison count" in c.value and "still being measured" in c.value for c in at.caption)
    assert not timing.MEASURED._values  # the Poison page measured nothing to say so
    trained(at)  # the Train button measures its own estimate on the click, then trains
    assert not at.exception, at.exception
    steps = set(timing.MEASURED._values)
    options = [c.value for c in at.caption if "with the same poisoned data" in c.value]
    assert options == ["Trains the backdoored model 3 more times with the same poisoned data; how long that takes "
                       "on this server is still being measured."]
    assert set(timing.MEASURED._values) == steps  # drawing the page measured nothing more
    at.button(key="btn.train.options").click().run()  # the click measures, then trains the three
    assert not at.exception, at.exception
    assert set(timing.MEASURED._values) > steps
    table = at.dataframe[0].value
    assert list(table["training"]) == [title for title, _ in OPTIONS.values()]


def test_the_matrix_and_classroom_pages_open_at_once_and_fill_in_their_times_once_measured(monkeypatch):
    from backdoor import timing
    from ui.waiting import WarmUp

    monkeypatch.setattr(timing, "MEASURED", timing._Measurements())  # a fresh server, its warm-up not done
    matrix = fresh_app(**{"train.epochs": 31})  # settings no other test computes a matrix for
    matrix.run()
    matrix.switch_page("pages/matrix.py").run()
    classroom = fresh_app(**{"lab.audience": "Instructor"})
    classroom.run()
    classroom.switch_page("pages/classroom.py").run()
    for at in (matrix, classroom):
        assert not at.exception, at.exception
    info = "\n".join(i.value for i in matrix.info)
    assert ("It trains 7 models and runs 8 defenses on each of the 6 attacked models and on the clean one "
            "(56 runs)") in info
    assert "how long that takes on this server is still being measured" in info
    assert any(b.key == "btn.matrix" for b in matrix.button)  # the click measures, for the student who starts it
    assert "is still timing each step of a session" in texts(classroom)
    assert len(classroom.table) == 1  # the presets, each ready or still being timed; no steps table yet
    assert not timing.MEASURED._values  # drawing the pages measured nothing: they never wait for the warm-up

    warm = WarmUp()  # the start-up warm-up, as a server runs it: it measures everything the pages need
    warm.thread.start()
    try:
        assert warm.finished.wait(600), "the warm-up did not finish"
    finally:
        warm.stop()
    matrix.run()
    classroom.run()
    info = "\n".join(i.value for i in matrix.info)
    assert "still being measured" not in info
    assert re.search(r"It trains (\d+) models and runs \d+ defenses on each of the \d+ attacked models and on the clean "
                     r"one \(\d+ runs\): about \d+(\.\d)? (s|minutes?) on this server\.", info), info
    assert "still timing" not in texts(classroom)
    steps = dict(zip(classroom.table[1].value["step"], classroom.table[1].value["time"]))
    assert re.fullmatch(r"about \d+(\.\d)? (s|minutes?) on this server the first time, instant afterwards",
                        steps["Attack x defense matrix (digits)"]), steps

    # A restart on the same machine (same code, within hours): the new process's pages still draw at
    # once, and its warm-up takes what the last one timed quietly from the cache instead of timing it again.
    from backdoor import unit_costs

    kept = unit_costs.load()
    assert any(key.startswith("('train_step', Rig(model='small-cnn'") for key in kept), kept
    monkeypatch.setattr(timing, "MEASURED", timing._Measurements())
    for at in (matrix, classroom):
        at.run()
    assert "still being measured" in "\n".join(i.value for i in matrix.info)
    warm = WarmUp()
    warm.thread.start()
    try:
        assert warm.finished.wait(600), "the warm-up did not finish"
    finally:
        warm.stop()
    assert not set(timing.MEASURED.quiet_figures()) & set(kept)  # nothing it found was timed again
    matrix.run()
    classroom.run()
    assert "still being measured" not in "\n".join(i.value for i in matrix.info)
    assert "still timing" not in texts(classroom)
