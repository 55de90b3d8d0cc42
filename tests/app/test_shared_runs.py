"""AppTest: a defense pressed by two students on the same model runs once on the server."""

import re

from apptest import fresh_app, texts, trained
from ui.waiting import MEASURING


def test_the_same_defense_on_the_same_model_is_computed_once_and_shared():
    outcomes = []
    for _ in range(2):  # two students, same settings
        at = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 12.0, "defend.chosen": ["strip"]})
        at.run()
        trained(at)
        at.switch_page("pages/defend.py").run()
        at.button(key="btn.defend.run").click().run()
        assert not at.exception, at.exception
        [outcome] = at.session_state["defend.results"].values()
        outcomes.append(outcome)
    assert outcomes[0].run_id == outcomes[1].run_id  # the second student got the first run's result
    budget = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 12.0, "defend.chosen": ["strip"],
                          "defend.budget_pct": 5.0})  # a Fine-Pruning setting: STRIP does not read it
    budget.run()
    budget.switch_page("pages/defend.py").run()
    budget.button(key="btn.defend.run").click().run()
    [same] = budget.session_state["defend.results"].values()
    assert same.run_id == outcomes[0].run_id
    pruning = []
    for pct in (2.0, 5.0):  # Fine-Pruning's own budget: two different runs
        at = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 12.0, "defend.chosen": ["fine_pruning"],
                          "defend.budget_pct": pct})
        at.run()
        at.switch_page("pages/defend.py").run()
        at.button(key="btn.defend.run").click().run()
        pruning.append(next(iter(at.session_state["defend.results"].values())).run_id)
    assert pruning[0] != pruning[1]


def test_a_pages_figures_are_measured_once_per_server_not_per_student(monkeypatch):
    """Calibration, the Trigger page's counts and the Poison page's stealth figures of one model and
    one setting: the second student reads the first one's, on every page and rerun."""
    import ui.page_figures

    calls = {"calibration": 0, "trigger counts": 0, "stealth": 0}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return wrapper

    for name, function in (("calibration", "calibration_curves"), ("trigger counts", "trigger_counts"),
                           ("stealth", "stealth")):
        monkeypatch.setattr(ui.page_figures, function, counting(name, getattr(ui.page_figures, function)))
    figures = []
    for student in range(2):
        at = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 12.0})
        at.run()
        trained(at)
        for page in ("pages/poison.py", "pages/trigger.py", "pages/defend.py", "pages/train.py"):
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
        figures.append({m.label: m.value for m in at.metric})
        if student == 0:
            # at most once each, however often a page reran (once already, when another test got there first)
            assert calls["calibration"] <= 1 and calls["trigger counts"] <= 1 and calls["stealth"] <= 1, calls
            first = dict(calls)
    assert calls == first, calls  # the second student measured nothing again
    assert figures[0] == figures[1]


def test_the_defend_page_says_how_long_before_a_run_and_that_a_shared_result_opens_at_once():
    settings = {"train.epochs": 1, "poison.rate_pct": 13.0, "defend.chosen": ["strip", "spectral_signatures"]}
    at = fresh_app(**settings)
    at.run()
    trained(at)
    at.switch_page("pages/defend.py").run()
    # from this server's measured unit costs, or (a fresh server) that they are still being measured
    assert re.search(rf"Running these 2 defenses( takes about \d+ s on this server|: {MEASURING})\.", texts(at))
    at.button(key="btn.defend.run").click().run()
    assert not at.exception, at.exception
    second = fresh_app(**settings)  # another student, the same settings: nothing left to compute
    second.run()
    second.switch_page("pages/defend.py").run()
    body = texts(second)
    assert "These defenses have already run on this model with these settings on this server" in body
    assert "Running these" not in body
    second.multiselect(key="w:defend.chosen").set_value(["strip", "fine_pruning"]).run()
    # only Fine-Pruning is counted, and the page says why the figure is less than two defenses' worth
    assert re.search(rf"Running these 2 defenses( takes about \d+ s on this server|: {MEASURING}) \(STRIP already ran "
                     r"on this model here: its result opens at once\)\.", texts(second))
