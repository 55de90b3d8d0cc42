"""AppTest: bad settings give a clear message and keep the user's work; sessions are separate."""

from __future__ import annotations

import pytest
import torch

from apptest import fresh_app, texts, trained

PAGES = ("pages/poison.py", "pages/train.py", "pages/trigger.py", "pages/explain.py", "pages/defend.py",
         "pages/matrix.py", "pages/govern.py", "pages/audit.py", "pages/mystery.py")


def _visit_every_page(at) -> str:
    """Open every page; none may raise. Returns all the words shown."""
    shown = []
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        shown.append(texts(at))
    return "\n".join(shown)


def test_a_learning_rate_that_collapses_training_says_what_to_do_and_keeps_the_settings():
    at = fresh_app(**{"train.epochs": 4, "train.learning_rate": 1.0,
                      "poison.rate_pct": 12.5, "poison.target": 7})
    at.run()
    at.switch_page("pages/train.py").run()
    at.button(key="btn.train").click().run()
    assert not at.exception, at.exception
    error = " ".join(e.value for e in at.error)
    assert "random guessing" in error and "lower it" in error
    # nothing lost: every other setting is as the user left it, and the page still offers training
    assert at.session_state["poison.rate_pct"] == 12.5 and at.session_state["poison.target"] == 7
    assert any(b.key == "btn.train" for b in at.button)
    at.session_state["train.learning_rate"] = 0.003
    at.session_state["train.epochs"] = 1
    at.switch_page("pages/train.py").run()
    at.button(key="btn.train").click().run()
    assert not at.exception and not at.error
    assert "Both models are trained" in texts(at)


@pytest.mark.parametrize("state", [
    {"poison.rate_pct": 0.0},
    {"poison.rate_pct": 50.0},
    {"poison.target": 42},
    {"poison.target": -1, "poison.attack": "sig"},  # all-to-all is impossible for a clean-label attack
    {"lab.seed": 9999, "train.epochs": 30, "train.batch_size": 256},
    {"poison.attack": "badnets", "poison.badnets.size": 14},
    {"poison.attack": "blended", "poison.blended.alpha": 0.5},
])
def test_every_page_survives_extreme_settings(state):
    at = fresh_app(**state)
    at.run()
    assert not at.exception
    _visit_every_page(at)


def test_zero_poison_says_there_is_no_poison():
    at = fresh_app(**{"poison.rate_pct": 0.0})
    at.run()
    at.switch_page("pages/poison.py").run()
    assert not at.exception
    assert at.metric[0].value == "0"


def _tiny_spec(missing_class: int):
    """A registered data set of 60 training digits with one class absent."""
    from backdoor.datasets import DatasetSpec, load_dataset
    from backdoor.datasets import Dataset

    def load(seed: int = 0) -> Dataset:
        full = load_dataset("mnist-5k", seed=seed)
        keep = torch.nonzero(full.y_train != missing_class).flatten()[:60]
        test = torch.nonzero(full.y_test != missing_class).flatten()[:40]
        return Dataset("tiny-test", full.x_train[keep], full.y_train[keep], full.x_test[test], full.y_test[test],
                       full.classes, "60 digits, no 3s")

    return DatasetSpec("tiny-test", "Tiny test set", "60 digits, no 3s", offline=True, default_model="small-cnn",
                       load=load)


@pytest.fixture
def tiny_dataset(monkeypatch):
    from backdoor.datasets import DATASETS

    monkeypatch.setitem(DATASETS, "tiny-test", _tiny_spec(missing_class=3))
    return "tiny-test"


def test_a_tiny_data_set_with_a_missing_class_runs_the_whole_path(tiny_dataset):
    at = fresh_app(**{"lab.dataset": tiny_dataset, "train.epochs": 2, "train.batch_size": 16,
                      "poison.rate_pct": 10.0})
    at.run()
    at.switch_page("pages/train.py").run()
    at.button(key="btn.train").click().run()
    assert not at.exception, at.exception
    words = _visit_every_page(at)
    assert "Train them first" not in words  # the models exist: every page really ran on them
    at.switch_page("pages/defend.py").run()
    at.multiselect(key="w:defend.chosen").set_value(["activation_clustering", "strip", "fine_pruning"]).run()
    at.button(key="btn.defend.run").click().run()
    assert not at.exception, at.exception


def test_a_clean_label_attack_on_the_missing_class_is_explained(tiny_dataset):
    at = fresh_app(**{"lab.dataset": tiny_dataset, "poison.attack": "sig", "poison.target": 3,
                      "poison.rate_pct": 5.0})
    at.run()
    at.switch_page("pages/poison.py").run()
    assert not at.exception
    assert any("only 0 are in the target class" in e.value for e in at.error)
    trained(at)
    assert not at.exception, at.exception
    assert any("only 0 are in the target class" in e.value for e in at.error)
    assert at.session_state["poison.target"] == 3  # the choice is kept, for the user to change


def test_two_sessions_never_see_each_others_settings_or_results():
    first, second = fresh_app(), fresh_app()
    first.run()
    second.run()
    first.switch_page("pages/poison.py").run()
    first.slider(key="w:poison.rate_pct").set_value(30.0).run()
    first.session_state["defend.results"] = {("a model", "strip"): "first's result"}
    second.switch_page("pages/poison.py").run()
    assert first.session_state["poison.rate_pct"] == 30.0
    assert second.session_state["poison.rate_pct"] == 10.0
    assert "defend.results" not in second.session_state
    assert "1,200 of the 4,000" in texts(first) and "400 of the 4,000" in texts(second)


def test_the_audit_page_waits_for_a_file_and_offers_only_model_defenses():
    from backdoor.model_files import to_safetensors
    from models import build_model

    at = fresh_app()
    at.run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    assert "Upload a model file to begin" in texts(at)
    assert not at.multiselect and not any(b.key == "btn.audit.run" for b in at.button)  # nothing to run yet

    weights = to_safetensors(build_model("small-cnn", (1, 28, 28), 10))  # an untrained model is a valid file
    at.get("file_uploader")[0].upload("mine.safetensors", weights).run()
    assert not at.exception, at.exception
    assert "Upload a model file to begin" not in texts(at)
    # A model file brings no training data: only the six defenses that need none, never the two that
    # inspect training images (Activation Clustering, Spectral Signatures).
    assert at.multiselect(key="w:audit.chosen").options == ["Neural Cleanse", "Fine-Pruning",
                                                            "ANP (Adversarial Neuron Pruning)", "STRIP", "SCALE-UP",
                                                            "Pruning and quantization"]
    assert "What you just saw" not in [s.value for s in at.subheader]  # nothing run yet, nothing to sum up

    at.multiselect(key="w:audit.chosen").set_value(["strip"]).run()
    at.button(key="btn.audit.run").click().run()
    assert not at.exception, at.exception
    from ui.audit_words import CLOSING

    assert "What you just saw" in [s.value for s in at.subheader]
    closing = next(m.value for m in at.markdown if m.value.endswith(CLOSING))
    assert closing.startswith("This file gets ") and "STRIP" in closing and "Neural Cleanse" not in closing
