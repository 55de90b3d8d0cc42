"""AppTest: instant mode answers the Poison and Train pages from the grid's stored figures, never training."""

from __future__ import annotations

import html
import re
from dataclasses import asdict

import pytest

from apptest import fresh_app, texts
from ui.instant import LABELS

RATES = {5.0: (0.912, 0.874), 10.0: (0.968, 0.996)}  # stored figures: backdoored clean accuracy, ASR


@pytest.fixture
def grid_store(tmp_path, monkeypatch):
    """A store holding the grid's figures for BadNets at 5% and 10% on the default settings, written
    directly: the panel only reads them (the grid's measuring is tested in tests/backdoor/test_grid.py)."""
    from backdoor.grid import InstantFigures, ModelFigures, with_rate
    from backdoor.results import save_result
    from backdoor.scenario import Scenario
    from backdoor.store import model_hash
    from backdoor.train import EpochRecord

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path / "models"))
    for pct, (acc, asr) in RATES.items():
        history = tuple(EpochRecord(e, 1.0 / e, acc - 0.01 * (5 - e), asr, 2.0 * e) for e in range(1, 6))
        figures = InstantFigures(ModelFigures(acc, asr, history, 10.0),
                                 ModelFigures(0.97, 0.004, history, 9.0), poisoned_images=int(40 * pct),
                                 samples=((0, 7, 0), (1, 2, 0), (3, 1, 0), (4, 4, 4)))
        save_result("instant", model_hash(with_rate(Scenario(), pct / 100), "backdoored"), asdict(figures))
    return tmp_path / "models"


def trains_or_reuses(at) -> bool:
    """The Train page's own section shows: its Train button, or (when an earlier test in this process
    trained the default models already) the models it reused."""
    return (any(b.key == "btn.train" for b in at.button)
            or any("reused instead of retrained" in s.value or "Both models are trained" in s.value for s in at.success))


def metrics(at) -> dict[str, str]:
    """The page's numbers by label: its metrics, and the instant panel's cards (one HTML block)."""
    found = {m.label: m.value for m in at.metric}
    for block in at.get("html"):
        for label, value in re.findall(r'lab-card-label">([^<]*)</div><div class="lab-card-value">([^<]*)<',
                                       block.proto.body):
            found[html.unescape(label)] = html.unescape(value)
    return found


def panel_html(at) -> str:
    return html.unescape(" ".join(block.proto.body for block in at.get("html")))


def panel_captions(at) -> list[str]:
    return [html.unescape(c) for block in at.get("html") for c in re.findall(r"<figcaption>([^<]*)<", block.proto.body)]


def test_the_train_page_answers_from_the_grid_and_the_slider_switches_figures(grid_store, mnist):
    at = fresh_app()
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert metrics(at)[LABELS["bd_asr"]] == "99.6%"
    assert metrics(at)[LABELS["bd_acc"]] == "96.8%"
    assert "the backdoor works" in panel_html(at) and "as good as the clean model" in panel_html(at)
    captions = panel_captions(at)
    truth = mnist.held_out[1]
    assert captions == [f"'{int(truth[row])}' with the trigger: read as '{fired}'"
                             for row, fired in ((0, 0), (1, 0), (3, 0), (4, 4))]  # the stored rows and answers
    assert len(at.get("plotly_chart")) >= 1  # both models' curves, from the stored histories
    assert not any(b.key == "instant.train.use" for b in at.button)  # the panel shows the page's own setting
    assert trains_or_reuses(at)  # the page's own section goes on below the panel

    at.select_slider(key="instant.train.rate").set_value(5.0).run()
    assert not at.exception, at.exception
    assert metrics(at)[LABELS["bd_asr"]] == "87.4%"
    assert metrics(at)[LABELS["poisoned"]] == "200"
    assert at.session_state["poison.rate_pct"] == 10.0  # the page keeps its own setting...
    assert "still uses your own setting" in texts(at)
    at.button(key="instant.train.use").click().run()  # ...until the student takes the panel's
    assert not at.exception, at.exception
    assert at.session_state["poison.rate_pct"] == 5.0  # every other page follows
    assert metrics(at)[LABELS["bd_asr"]] == "87.4%"
    assert not any(b.key == "instant.train.use" for b in at.button)
    assert not list(grid_store.glob("*.pt"))  # no model was trained or stored


def test_switching_the_panels_attack_starts_at_its_default_rate(grid_store):
    from backdoor.grid import attack_scenario, lookup, with_rate
    from backdoor.results import save_result
    from backdoor.scenario import Scenario
    from backdoor.store import model_hash

    blended = attack_scenario(Scenario(), "blended")
    copy = lookup(with_rate(Scenario(), 0.05))
    save_result("instant", model_hash(blended, "backdoored"), asdict(copy))
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    at.radio(key="instant.poison.attack").set_value("blended").run()
    assert not at.exception, at.exception
    assert at.session_state["instant.pick"] == blended
    assert at.session_state["poison.attack"] == "badnets"
    assert any(b.key == "instant.poison.use" for b in at.button)


def test_a_setting_off_the_grid_says_so_and_offers_to_train_it(grid_store):
    at = fresh_app(**{"poison.rate_pct": 7.5})
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert "not on the grid" in texts(at) and "5% and 10%" in texts(at)
    assert "Train it yourself with the Train button below" in texts(at)
    assert any(b.key == "btn.train" for b in at.button)  # the page's own Train button, below
    assert at.session_state["instant.pick"].poison.rate in (0.05, 0.1)  # the panel starts at a neighbour

    at.switch_page("pages/poison.py").run()
    assert not at.exception, at.exception
    assert "not on the grid" in texts(at)


def test_instant_mode_can_be_switched_off_and_is_absent_without_a_grid(grid_store, monkeypatch, tmp_path):
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    assert metrics(at)[LABELS["bd_asr"]] == "99.6%"
    at.toggle(key="w:instant.on").set_value(False).run()
    assert LABELS["bd_asr"] not in metrics(at)
    at.switch_page("pages/train.py").run()
    assert trains_or_reuses(at)  # the page's own training section, not the grid's panel

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path / "empty"))
    cold = fresh_app()
    cold.run()
    cold.switch_page("pages/train.py").run()
    assert not any(t.key == "w:instant.on" for t in cold.toggle)
    assert trains_or_reuses(cold)
