"""AppTest: the pages show times measured on this server, say when it is busy, label a stored
model's time as stored, and end a collapsed run cleanly. (No wall-clock asserts: see benchmarks/.)"""

from __future__ import annotations

from apptest import fresh_app, texts

from backdoor.busy import JOBS


def test_the_train_page_shows_a_time_measured_on_this_server():
    at = fresh_app(**{"train.epochs": 27})  # settings nobody trained
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    info = "\n".join(i.value for i in at.info)
    assert "on this server" in info and "laptop" not in info


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
