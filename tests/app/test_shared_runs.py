"""AppTest: a defense pressed by two students on the same model runs once on the server."""

from apptest import fresh_app, trained


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
