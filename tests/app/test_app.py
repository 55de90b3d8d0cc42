"""AppTest: every page renders, and the whole poison -> train -> trigger path works."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from streamlit.proto.Slider_pb2 import Slider

from apptest import fresh_app, texts, trained
from conftest import ROOT

# Each page and a widget or text that must be on it.
PAGES = {
    "pages/start.py": "Your path",
    "pages/poison.py": "What the attacker did",
    "pages/train.py": "Train both models",
    "pages/trigger.py": "Train them first",
    "pages/explain.py": "Train them first",
    "pages/defend.py": "Train them first",
    "pages/matrix.py": "Compute the matrix",
    "pages/govern.py": "Governance checklist",
    "pages/tabular.py": "What you just saw",
    "pages/drill.py": "Train them first",
    "pages/glossary.py": "Attack success rate",
    "pages/classroom.py": "Expected timings",
    "pages/mystery.py": "Prepare the mystery models",
    "pages/join.py": "Pick a nickname",
    "pages/redblue.py": "This round runs in a class",
}


def test_the_shared_sidebar_starts_on_the_offline_default():
    at = fresh_app()
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="w:lab.dataset").value == "mnist-5k"
    assert at.sidebar.selectbox(key="w:lab.model").value == "small-cnn"
    assert at.sidebar.selectbox(key="w:lab.device").value == "auto"


@pytest.mark.parametrize("page, expected", PAGES.items())
def test_every_page_renders_without_exception(page, expected):
    at = fresh_app(**{"train.epochs": 29})  # settings nobody trained: pages show their empty state
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert expected in texts(at) + "\n".join(b.label for b in at.button) + "\n".join(str(h.value) for h in at.subheader)


def _sliders_show_the_places_their_steps_need(at):
    """A float slider reads "10.0" for a step of 0.5 (Streamlit's default format says "10.00")."""
    floats = [s for s in at.slider if s.proto.data_type == Slider.DataType.FLOAT]
    assert floats
    for s in floats:
        places = len(f"{s.proto.step:g}".partition(".")[2])
        shown = re.fullmatch(r"%0?\.(\d)f", s.proto.format)
        assert shown and int(shown.group(1)) == places, (s.label, s.proto.step, s.proto.format)


@pytest.mark.parametrize("page", ["pages/poison.py", "pages/tabular.py"])
def test_float_sliders_show_as_many_places_as_their_step(page):
    at = fresh_app()
    at.run()
    at.switch_page(page).run()
    _sliders_show_the_places_their_steps_need(at)


def test_poison_page_controls_and_figures():
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    assert at.selectbox(key="w:poison.attack").value == "badnets"
    assert at.slider(key="w:poison.rate_pct").value == 10.0
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Poisoned images"] == "400"
    at.slider(key="w:poison.rate_pct").set_value(2.5).run()
    assert {m.label: m.value for m in at.metric}["Poisoned images"] == "100"
    at.selectbox(key="w:poison.attack").set_value("blended").run()
    assert not at.exception
    assert at.slider(key="w:poison.blended.alpha").value == 0.15
    assert float(at.metric[1].value) < 0.2  # a faint blend changes no pixel by much


def test_settings_survive_a_page_switch():
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    at.slider(key="w:poison.rate_pct").set_value(5.0).run()
    at.switch_page("pages/train.py").run()
    at.switch_page("pages/poison.py").run()
    assert at.slider(key="w:poison.rate_pct").value == 5.0


def test_full_path_poison_train_trigger_with_a_tiny_configuration():
    at = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 15.0})
    at.run()
    at.switch_page("pages/poison.py").run()
    assert not at.exception
    at.switch_page("pages/train.py").run()
    at.button(key="btn.train").click().run()
    assert not at.exception, at.exception
    labels = {m.label: m.value for m in at.metric}
    assert set(labels) >= {"Backdoored: clean accuracy", "Baseline: attack success"}
    assert float(labels["Backdoored: attack success"].rstrip("%")) > 80
    assert "Both models are trained" in texts(at)

    # Shown again with the same settings: reused, never retrained.
    at.switch_page("pages/start.py").run()
    at.session_state["train.fresh"] = None
    at.switch_page("pages/train.py").run()
    assert "trained before" in texts(at)
    assert not any(b.key == "btn.train" for b in at.button)

    at.switch_page("pages/trigger.py").run()
    assert not at.exception, at.exception
    first = at.toggle[0]
    before = [m.value for m in at.markdown if "says" in m.value][0]
    first.set_value(True).run()
    assert not at.exception
    after = [m.value for m in at.markdown if "says" in m.value][0]
    assert "Backdoored" in before and before != after
    assert any("with the trigger on" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) >= 3  # probabilities + two confusion matrices

    # "Explain this" under the triggered image: the backdoored model's attention map.
    at.toggle(key="w:trigger.explain." + first.key.rsplit(".", 1)[1]).set_value(True).run()
    assert not at.exception, at.exception
    assert any("attention:" in c.value for c in at.caption)

    # The Explain page: a 2x2 grid of maps, a sentence that reads them, a batch table.
    at.switch_page("pages/explain.py").run()
    assert not at.exception, at.exception
    sentence = at.info[0].value
    assert "of its attribution on the 4x4 patch in the bottom-right corner" in sentence
    assert len(at.get("image")) >= 4  # four cells: two models x clean/triggered
    table = at.dataframe[0].value
    assert list(table["model"]) == ["Backdoored model", "Clean baseline"]
    for method in ("gradcam", "saliency"):
        at.selectbox(key="w:explain.method").set_value(method).run()
        assert not at.exception, at.exception
    at.slider(key="w:explain.image").set_value(5).run()
    assert not at.exception and at.info[0].value != sentence

    # The Poison page now shows where the clean model looks on poisoned images.
    at.switch_page("pages/poison.py").run()
    assert not at.exception
    assert any("of its attention on the trigger" in c.value for c in at.caption)


def test_nothing_poisoned_is_never_called_a_backdoor_on_the_train_trigger_and_explain_pages():
    at = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 0.0})
    at.run()
    trained(at)
    assert not at.exception, at.exception
    page = texts(at)
    assert "Nothing was poisoned, so there is no backdoor" in page
    assert "That hidden rule is the backdoor" not in page
    assert [m.label for m in at.metric][::2] == ["Unpoisoned: clean accuracy", "Unpoisoned: attack success"]
    assert "unpoisoned model" in page  # the caption on how long training took
    assert [b.label for b in at.get("download_button")] == ["Download the model trained on the lab's data (.safetensors)"]

    at.switch_page("pages/trigger.py").run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == ["Unpoisoned: clean accuracy", "Unpoisoned: attack success"]
    verdicts = [m.value for m in at.markdown if " says '" in m.value]
    assert verdicts and all(v.lstrip(":red-background[").startswith(("**Unpoisoned**", "**Clean**")) for v in verdicts)

    at.switch_page("pages/explain.py").run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["model"]) == ["Unpoisoned model", "Clean baseline"]
    assert at.info[0].value.startswith("With the trigger, the model trained on the lab's data says")


def test_a_model_that_learnt_nothing_is_never_read_as_a_backdoor():
    """A learning rate of 1.0 (the Train page offers it) wrecks both models: each answers one class for every
    image. The pages say so instead of reading 'equally good' models and a working 'hidden rule'."""
    at = fresh_app(**{"train.epochs": 1, "train.learning_rate": 1.0, "poison.rate_pct": 20.0})
    at.run()
    trained(at)
    assert not at.exception, at.exception
    reading = next(m.value for m in at.markdown if m.value.startswith("Neither model has learnt the task"))
    assert "about what guessing scores (10%)" in reading
    lesson = next(m.value for m in at.markdown if m.value.startswith("**Training as usual.**"))  # says it in general
    for claim in ("equally good", "would pass both", "That hidden rule is the backdoor"):
        assert claim not in texts(at).replace(lesson, "")
    for name in ("trigger", "explain", "defend"):
        at.switch_page(f"pages/{name}.py").run()
        assert not at.exception, at.exception
        assert at.warning and at.warning[0].value.startswith("The backdoored model learnt nothing: it is right on only")


def test_trigger_page_without_models_points_to_training():
    at = fresh_app(**{"train.epochs": 2, "poison.rate_pct": 3.0})
    at.run()
    at.switch_page("pages/trigger.py").run()
    assert not at.exception
    assert "Train them first" in texts(at)


def test_an_unavailable_download_set_shows_a_message_not_a_crash():
    at = fresh_app(**{"lab.dataset": "cifar10", "lab.model": "color-cnn"})
    at.run()
    at.switch_page("pages/poison.py").run()
    assert not at.exception
    assert any(e.value.startswith("**CIFAR-10 is not available.**") for e in at.error)  # no "(download)" in a sentence
    assert any(b.label == "Download CIFAR-10 now" for b in at.button)


def _shown_rate(at, label: str) -> float:
    return float(next(m.value for m in at.metric if m.label == label).rstrip("%"))


class _Tables(HTMLParser):
    """Every <table> of an HTML page, under the <h2> before it, as rows of cell texts."""

    def __init__(self, page: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._heading, self._in, self._cell = "", None, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "td", "th"):
            self._in, self._cell = tag, ""
        elif tag == "tr":
            self.tables.setdefault(self._heading, []).append([])

    def handle_data(self, data):
        if self._in is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "h2":
            self._heading = self._cell
        elif tag in ("td", "th"):
            self.tables[self._heading][-1].append(self._cell)
        if tag == self._in:
            self._in = None


def test_defend_page_runs_defenses_and_keeps_a_summary():
    at = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 15.0})
    at.run()
    trained(at)
    shown = {m.label: m.value for m in at.metric}  # the Train page's figures, which the report must repeat
    at.switch_page("pages/defend.py").run()
    assert not at.exception, at.exception
    at.multiselect(key="w:defend.chosen").set_value(["activation_clustering", "strip", "compression"]).run()
    at.button(key="btn.defend.run").click().run()
    assert not at.exception, at.exception
    assert not at.error
    page = texts(at)
    assert "Suspect classes" in page and "As a monitor" in page and "The backdoor survived" in page
    assert "When it fails" in page
    summary = at.dataframe[-1].value
    assert list(summary["defense"])[0] == "no defense" and "STRIP" in list(summary["defense"])
    assert "Pruning and quantization" not in list(summary["defense"])  # a study of deployment, not a repair
    assert json.loads(at.dataframe[-1].proto.columns)["defense"]["pinned"]  # in view when a phone scrolls sideways
    # A detection counts before anyone acts on it: the reading names what it flagged.
    assert "Activation Clustering flagged" in page and "No defense has been run" not in page
    assert "Not acted on yet" in " ".join(map(str, summary["measured"]))
    # STRIP's slider sets the threshold: the clean inputs it turns away follow the share allowed
    # (set on the defender's 500 images, measured on 500 others: a quantile's sampling error is about
    # 2 points at 10%, so within two of those).
    _sliders_show_the_places_their_steps_need(at)  # the settings' and STRIP's
    for allowed in (10.0, 1.0):
        at.slider(key="strip.frr").set_value(allowed).run()
        assert not at.exception
        frr = _shown_rate(at, "Clean inputs wrongly rejected (FRR)")
        assert abs(frr - allowed) <= 4.0, (allowed, frr)
        assert f"turns away {frr:.1f}% of ordinary requests" in texts(at)
    at.button(key="btn.activation_clustering.retrain").click().run()
    assert not at.exception, at.exception
    assert any("Retrained without" in s.value for s in at.success)

    # The session report: one click to prepare, then a download of the whole session.
    at.button(key="btn.report").click().run()
    assert not at.exception, at.exception
    assert any(b.key == "btn.report.download" for b in at.get("download_button"))
    report = at.session_state["report.html"]
    assert "No defense was run" not in report and "Of the" not in report
    tables = _Tables(report).tables
    settings = dict(row for row in tables["Configuration"])
    assert (settings["attack"], settings["poison rate"], settings["target"]) == ("BadNets (visible patch)", "15.0%", "'0'")
    assert (settings["epochs"], settings["seed"], settings["model"]) == ("1", "0", "Small CNN (2 conv layers)")
    assert tables["Metrics"] == [
        ["model", "clean accuracy", "attack success"],
        ["backdoored model", shown["Backdoored: clean accuracy"], shown["Backdoored: attack success"]],
        ["clean baseline", shown["Baseline: clean accuracy"], shown["Baseline: attack success"]],
    ]
    summary = at.dataframe[-1].value  # the page's own summary, row by row, minus its "no defense" line
    columns = ["defense", "clean accuracy", "attack success", "clean accuracy lost (points)",
               "honest requests refused"]
    assert tables["Defenses"][0][:5] == ["defense", "clean accuracy after", "attack success after",
                                         "clean accuracy lost (points)", "honest requests refused"]
    assert [row[:5] for row in tables["Defenses"][1:]] == [
        [str(v) for v in summary[columns].iloc[i]] for i in range(1, len(summary))]
    assert [row[0] for row in tables["Defenses"][1:]] == ["Activation Clustering", "STRIP"]
    assert "Where the model looks on triggered images" in texts(at)
    assert "Activation Clustering" in list(at.dataframe[-1].value["defense"])


def test_choosing_an_attack_sets_its_poison_rate_and_target_choices():
    from backdoor.attacks import ALL_TO_ALL

    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    at.selectbox(key="w:poison.attack").set_value("wanet").run()
    assert at.slider(key="w:poison.rate_pct").value == 20.0
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Poisoned images"] == "800" and "SSIM" in metrics
    assert "noise mode" in texts(at)
    at.selectbox(key="w:poison.attack").set_value("sig").run()
    assert at.slider(key="w:poison.rate_pct").value == 8.0
    assert not any("all-to-all" in o for o in at.selectbox(key="w:poison.target").options)  # clean-label: one target
    assert "No label was changed" in texts(at)
    at.selectbox(key="w:poison.attack").set_value("badnets").run()
    at.selectbox(key="w:poison.target").set_value(ALL_TO_ALL).run()
    assert at.slider(key="w:poison.rate_pct").value == 15.0
    assert not at.exception
    assert "next class" in texts(at)


def test_spot_it_scores_the_guess():
    from backdoor.datasets import load_dataset

    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    boxes = [c for c in at.checkbox if c.key.startswith("spot.0.")]
    shown = [c.value for c in at.caption if c.value.startswith("labelled '")]  # one label under each image
    assert len(boxes) == len(shown) == 8
    # BadNets relabels what it poisons (to '0'): an image is poisoned exactly where its label is not its own.
    true_labels = load_dataset("mnist-5k", seed=0).y_train
    poisoned = [box for box, label in zip(boxes, shown)
                if label != f"labelled '{int(true_labels[int(box.key.rsplit('.', 1)[1])])}'"]
    clean = [box for box in boxes if box not in poisoned]
    assert 2 <= len(poisoned) <= 4
    for box in poisoned[:-1] + clean[:2]:  # all but one of the poisoned, and two clean ones
        box.check()
    at.button(key="FormSubmitter:spot.form.0-Check my answer").click().run()
    assert not at.exception
    score = next(i.value for i in at.info if i.value.startswith("You found"))
    assert score.startswith(f"You found **{len(poisoned) - 1} of {len(poisoned)}** poisoned images, missed 1, "
                            "and accused 2 clean images.")


def test_sticker_is_offered_only_on_signs():
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    assert "sticker" not in at.selectbox(key="w:poison.attack").options
    at2 = fresh_app(**{"lab.dataset": "traffic-signs", "lab.model": "color-cnn", "poison.attack": "sticker"})
    at2.run()
    at2.switch_page("pages/poison.py").run()
    assert not at2.exception
    assert at2.selectbox(key="w:poison.attack").value == "sticker"


def test_train_page_offers_augmentation_and_mixup():
    at = fresh_app(**{"train.epochs": 29})
    at.run()
    at.switch_page("pages/train.py").run()
    assert at.checkbox(key="w:train.augment").value is False
    assert at.select_slider(key="w:train.mixup").value == 0.0


def test_matrix_page_reads_a_stored_matrix_and_signs_each_cells_clean_accuracy_change():
    import json

    from streamlit.proto.Metric_pb2 import Metric as MetricProto

    from backdoor.matrix import AttackRow, Cell, Matrix, MatrixConfig, save_matrix
    from backdoor.train import TrainConfig

    # A matrix written by hand: against a clean model's 97.6%, STRIP costs BadNets 4.6 points (93.0%)
    # and leaves Blended 0.6 points better (98.2%).
    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0), AttackRow("blended", 0.1, 400, 0.972, 0.99, 7.0)]
    cells = [Cell("badnets", "none", 0.97, 1.0, 0.006, 0.0, "the backdoored model as trained"),
             Cell("badnets", "strip", 0.93, 0.02, 0.046, 2.0, "rejects 4.6% of clean inputs"),
             Cell("blended", "none", 0.972, 0.99, 0.004, 0.0, "the backdoored model as trained"),
             Cell("blended", "strip", 0.982, 0.5, -0.006, 2.0, "rejects half the triggered inputs")]
    save_matrix(MatrixConfig(train=TrainConfig(epochs=27)), Matrix("k", "mnist-5k", 0.976, rows, cells, 60.0))
    at = fresh_app(**{"train.epochs": 27})  # the page's own configuration for these settings
    at.run()
    at.switch_page("pages/matrix.py").run()
    assert not at.exception, at.exception
    assert "What the matrix says" in [str(h.value) for h in at.subheader]
    assert at.selectbox(key="matrix.attack").options == ["BadNets", "Blended"]
    assert at.selectbox(key="matrix.defense").options == ["No defense", "STRIP"]
    drop = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "lost" in c.proto.spec)
    assert drop["data"][0]["text"] == [["0.6", "4.6"], ["0.4", "-0.6"]]  # points lost: positive = worse

    at.selectbox(key="matrix.defense").set_value("strip").run()
    after = next(m for m in at.metric if m.label == "Clean accuracy after")
    assert after.value == "93.0%" and after.proto.delta == "4.6 points lost vs a clean model"
    assert (after.proto.direction, after.proto.color) == (MetricProto.DOWN, MetricProto.RED)
    assert "**STRIP** on **BadNets**: rejects 4.6% of clean inputs." in texts(at)

    at.selectbox(key="matrix.attack").set_value("blended").run()
    after = next(m for m in at.metric if m.label == "Clean accuracy after")
    assert after.value == "98.2%" and after.proto.delta == "0.6 points gained vs a clean model"
    assert (after.proto.direction, after.proto.color) == (MetricProto.UP, MetricProto.GREEN)


def test_all_to_all_path_names_the_next_class_everywhere():
    from backdoor.attacks import ALL_TO_ALL

    at = fresh_app(**{"train.epochs": 2, "poison.rate_pct": 15.0, "poison.target": ALL_TO_ALL})
    at.run()
    at.switch_page("pages/train.py").run()
    at.button(key="btn.train").click().run()
    assert not at.exception, at.exception
    assert "the next class (all-to-all)" in texts(at)
    for page in ("pages/trigger.py", "pages/explain.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
    at.switch_page("pages/trigger.py").run()
    # two epochs are too few for all-to-all to take hold (4% ASR): the reading says so, naming the goal
    reading = next(m.value for m in at.markdown if "images the attack aims at" in m.value)
    assert "read as the class after their own" in reading and "works on fewer than half" in reading
    assert "lights up" not in reading
    at.switch_page("pages/defend.py").run()
    at.session_state["defend.chosen"] = ["strip"]
    at.run()
    at.button(key="btn.defend.run").click().run()
    assert not at.exception, at.exception
    assert list(at.dataframe[-1].value["defense"]) == ["no defense", "STRIP"]  # it ran (the lesson names it anyway)
    assert any(m.label == "Clean inputs wrongly rejected (FRR)" for m in at.metric)


def test_a_preset_sets_every_control_in_one_click():
    at = fresh_app()
    at.run()
    at.button(key="btn.preset.stop-sign-sticker").click().run()
    assert not at.exception, at.exception
    state = at.session_state
    assert state["lab.dataset"] == "traffic-signs" and state["poison.attack"] == "sticker"
    assert state["poison.target"] == 3 and state["lab.model"] == "color-cnn"
    assert any("Stop-sign sticker" in s.value for s in at.success)
    at.switch_page("pages/poison.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="w:poison.attack").value == "sticker"
    assert "speed limit 60" in texts(at)


def test_train_page_shows_calibration_beyond_accuracy():
    at = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 15.0})
    at.run()
    trained(at)
    assert not at.exception, at.exception
    assert "Can you trust its confidence?" in [str(h.value) for h in at.subheader]
    assert any("expected calibration error" in m.value and "confidently wrong" in m.value for m in at.markdown)


def test_the_risk_brief_shows_the_fingerprint_changing_when_poisoned():
    at = fresh_app()
    at.run()
    at.switch_page("pages/govern.py").run()
    assert not at.exception, at.exception
    codes = [c.value for c in at.code]
    assert len(codes) == 2 and codes[0] != codes[1] and all(len(c) == 64 for c in codes)
    assert any("completely different" in w.value for w in at.warning)
    table = at.table[0].value
    assert len(table) == 7 and "Manage" in " ".join(table["NIST AI RMF function"])
    at2 = fresh_app(**{"poison.rate_pct": 0.0})
    at2.run()
    at2.switch_page("pages/govern.py").run()
    assert at2.code[0].value == at2.code[1].value  # nothing poisoned: the approved data
    assert any(w.value.startswith("Only 10.0% of the images were touched, yet") for w in at.warning)
    at3 = fresh_app(**{"poison.rate_pct": 40.0})  # "only" would be wrong: this much is no small change
    at3.run()
    at3.switch_page("pages/govern.py").run()
    assert not at3.exception, at3.exception
    said = " ".join(w.value for w in at3.warning)
    assert said.startswith("40.0% of the images were touched, and the fingerprint") and "Only" not in said


def test_quizzes_give_instant_feedback_with_the_reason():
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    radio = at.radio(key="quiz.poison.0")
    radio.set_value(1).run()
    assert any("Not quite" in w.value and "barely moves" in w.value for w in at.warning)
    assert not any(s.value.startswith("Right.") for s in at.success)
    at.radio(key="quiz.poison.0").set_value(0).run()
    assert any(s.value.startswith("Right.") for s in at.success)


def test_every_glossary_term_and_quiz_is_well_formed():
    from ui.glossary import glossary, quizzes

    assert len(glossary()) >= 12
    assert all(e["term"] and len(e["text"]) > 40 for e in glossary().values())
    for page, questions in quizzes().items():
        assert (ROOT / "pages" / f"{page}.py").exists(), page
        for q in questions:
            assert 0 <= q["answer"] < len(q["options"]) and q["why"]


def test_quiz_answers_are_spread_over_the_positions():
    """Guessing 'the middle one' must not pass the quizzes."""
    from collections import Counter

    from ui.glossary import quizzes

    answers = [q["answer"] for questions in quizzes().values() for q in questions]
    most = Counter(answers).most_common(1)[0][1]
    assert most <= 0.4 * len(answers), Counter(answers)
    assert len(set(answers)) >= 3


@pytest.mark.parametrize("audience", ["Student", "Stakeholder", "Instructor"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_for_every_audience(page, audience):
    at = fresh_app(**{"train.epochs": 29, "lab.audience": audience})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, (page, audience, at.exception)


def test_red_vs_blue_without_a_class_points_an_instructor_to_their_classroom_and_a_student_to_join():
    for audience, where, pointer in (("Instructor", "Classroom tools", ("classroom", "Open Classroom tools")),
                                     ("Student", "link your instructor gives you", ("join", "Join a class"))):
        at = fresh_app(**{"lab.audience": audience})
        at.run()
        at.switch_page("pages/redblue.py").run()
        assert not at.exception, at.exception
        assert where in at.info[0].value
        links = [(p.proto.page, p.proto.label) for p in at.get("page_link")]
        assert links[0] == pointer  # the page's own link comes before the menu's
        assert (("join", "Join a class") in links) == (audience == "Student")


def test_stakeholders_get_presets_not_hyperparameters():
    at = fresh_app(**{"lab.audience": "Stakeholder", "train.epochs": 29})
    at.run()
    assert "For decision makers" in [str(h.value) for h in at.subheader]
    assert not any(w.key == "w:lab.seed" for w in at.number_input)  # no sidebar settings
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert not any(w.key == "w:train.epochs" for w in at.slider)
    assert "The model learns from 4,000 pictures; the attacker tampered with 10.0% of them." in texts(at)
    at.session_state["train.epochs"] = 1
    at.session_state["poison.rate_pct"] = 15.0
    trained(at)
    assert not at.exception, at.exception
    page = texts(at)
    assert "A confident model is not a safe model" in page and "ECE" not in page
    assert not at.get("plotly_chart") or all("train.curves" not in str(c.proto) for c in at.get("plotly_chart"))
    student = fresh_app(**{"train.epochs": 29})
    student.run()
    student.switch_page("pages/train.py").run()
    assert any(w.key == "w:train.epochs" for w in student.slider)


def test_instructors_see_which_presets_are_prepared():
    from backdoor.prepare import prepare

    prepare(["classic-patch"], on_message=lambda _: None)
    at = fresh_app(**{"lab.audience": "Instructor"})
    at.run()
    at.switch_page("pages/classroom.py").run()
    assert not at.exception, at.exception
    prepared = dict(zip(at.table[0].value["preset"], at.table[0].value["prepared"]))
    assert prepared["Classic patch (digits)"].startswith("ready")
    assert at.table[0].value["attack success"][0].endswith("(expected)")  # not measured on this server yet

    # once a page has measured the prepared preset's models, the Classroom page shows those very figures
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    at.switch_page("pages/classroom.py").run()
    table = at.table[0].value.set_index("preset")
    assert table.loc["Classic patch (digits)", "attack success"] == shown["Backdoored: attack success"]
    assert table.loc["Classic patch (digits)", "clean accuracy"] == shown["Backdoored: clean accuracy"]
    assert table.loc["Hidden warp", "attack success"].endswith("(expected)")
    assert "1 of 6 presets shows figures measured on this server" in texts(at)
    at.switch_page("pages/start.py").run()
    assert any(c.value.startswith(f"Measured on this server: {shown['Backdoored: attack success']} attack success")
               for c in at.caption)


def test_mystery_challenge_from_preparation_to_the_score():
    from backdoor.mystery import draw_challenge
    from backdoor.scenario import Scenario
    from backdoor.train import TrainConfig

    at = fresh_app(**{"train.epochs": 1, "lab.audience": "Instructor"})
    at.run()
    at.switch_page("pages/mystery.py").run()
    at.slider(key="mystery.count").set_value(2).run()
    at.button(key="btn.mystery.prepare").click().run()
    assert not at.exception, at.exception
    assert "held-out test images right" in texts(at)
    at.button(key="btn.mystery.scan.1").click().run()  # the Neural Cleanse scan of model 1
    assert not at.exception, at.exception
    assert "Neural Cleanse flags" in texts(at)
    assert sum(len(strip.proto.imgs) for strip in at.get("image")) >= 10  # a reversed trigger per class
    truth = draw_challenge(1234, 2, Scenario(train=TrainConfig(epochs=1)), 10)
    for m in truth:  # answer everything right
        at.radio(key=f"mystery.verdict.1234.{m.number}").set_value("backdoored" if m.backdoored else "clean").run()
        if m.backdoored:
            at.selectbox(key=f"mystery.target.1234.{m.number}").set_value(m.target).run()
    at.button(key="btn.mystery.reveal").click().run()
    assert not at.exception, at.exception
    assert any("3 of 3 points" in s.value for s in at.success)


# Each audience's sidebar menu, in order: written out here, not read from app.py's MENUS.
MENU_TITLES = {
    "Student": ["Start here", "1. Poison the data", "2. Train the models", "3. Fire the trigger", "4. Explain",
                "5. Defend", "6. Attack x defense matrix", "7. Govern: risk brief",
                "Patient records", "Incident drill: rollback", "Audit a model file",
                "Mystery models", "Red vs blue", "Glossary", "Join a class"],
    "Stakeholder": ["1. What a backdoor is", "2. Watch a backdoor planted", "3. See the trigger take over",
                    "4. Which defenses work", "5. A flipped diagnosis", "6. Controls, owners and rules",
                    "7. Incident drill: rollback", "8. The board brief", "Glossary"],
    "Instructor": ["Start here", "Classroom tools", "Mystery models", "Red vs blue", "1. Poison the data",
                   "2. Train the models", "3. Fire the trigger", "4. Explain", "5. Defend",
                   "6. Attack x defense matrix", "7. Govern: risk brief", "Patient records",
                   "Incident drill: rollback", "Audit a model file", "Board brief and report",
                   "Glossary"],
}


def test_each_audience_chosen_in_the_sidebar_gets_exactly_its_own_menu():
    at = fresh_app()
    at.run()
    assert at.sidebar.radio(key="w:lab.audience").options == ["Student", "Stakeholder", "Instructor"]
    for audience in ("Student", "Stakeholder", "Instructor", "Student"):
        if at.sidebar.radio(key="w:lab.audience").value != audience:
            at.sidebar.radio(key="w:lab.audience").set_value(audience).run()
        assert not at.exception, at.exception
        assert [link.proto.label for link in at.sidebar.get("page_link")] == MENU_TITLES[audience], audience


def _first_poisoned_labels(at) -> list[str]:
    """The true labels under the Poison page's first poisoned training images ("clean: '3'")."""
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    return [c.removeprefix("clean: ") for c in captions if c.startswith("clean: ")]


def _library_first_poisoned_labels(seed: int) -> list[str]:
    """The same labels as the library gives them for the default BadNets 10% to '0' at ``seed``."""
    from backdoor.attacks import PoisonConfig
    from backdoor.datasets import load_dataset
    from backdoor.scenario import Scenario, poisoned_training_set

    data = load_dataset("mnist-5k", seed=seed)
    poisoned = poisoned_training_set(data, Scenario(poison=PoisonConfig(rate=0.1, target=0, seed=seed),
                                                     data_seed=seed))
    return [f"'{data.classes[int(data.y_train[i])]}'" for i in poisoned.poisoned_mask.nonzero().flatten()[:8]]


def test_the_sidebar_seed_chooses_which_training_images_are_poisoned():
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    at_seed_0 = _first_poisoned_labels(at)
    at.sidebar.number_input(key="w:lab.seed").set_value(7).run()
    assert not at.exception, at.exception
    at_seed_7 = _first_poisoned_labels(at)
    assert len(at_seed_0) == len(at_seed_7) == 8
    assert at_seed_7 != at_seed_0
    assert at_seed_0 == _library_first_poisoned_labels(0) and at_seed_7 == _library_first_poisoned_labels(7)
    again = fresh_app(**{"lab.seed": 7})  # another session on the same seed: the same poisoned images
    again.run()
    again.switch_page("pages/poison.py").run()
    assert _first_poisoned_labels(again) == at_seed_7


def test_the_stakeholder_menu_is_numbered_in_order_and_each_page_says_its_number_and_scenario():
    at = fresh_app(**{"lab.audience": "Stakeholder"})
    at.run()
    labels = [link.proto.label for link in at.sidebar.get("page_link")]
    numbered = [label for label in labels if label[:1].isdigit()]
    assert [int(label.split(".")[0]) for label in numbered] == list(range(1, len(numbered) + 1))
    assert labels[:len(numbered)] == numbered  # the numbered path first, the glossary after
    for label, link in zip(labels, at.sidebar.get("page_link")):
        if label in ("1. What a backdoor is", "Glossary"):
            continue
        at.switch_page(f"pages/{link.proto.page}.py").run()
        assert not at.exception, (label, at.exception)
        assert at.title[0].value == label, label  # the menu's number is the page's number
        scenario = at.caption[0].value
        expected = "patient records" if "diagnosis" in label else "Classic patch (digits)"
        assert scenario.startswith("Scenario: ") and expected in scenario, (label, scenario)


def test_the_stakeholder_start_page_promises_only_steps_on_the_stakeholder_menu():
    at = fresh_app(**{"lab.audience": "Stakeholder"})
    at.run()
    body = texts(at)
    assert "defender" not in body  # no "then you will be the defender" without a Defend page on their menu
    menu = {link.proto.label for link in at.sidebar.get("page_link")}
    offered = {link.proto.label for link in at.main.get("page_link")}
    numbered = {label for label in offered if label[:1].isdigit()}
    assert numbered and numbered <= menu
