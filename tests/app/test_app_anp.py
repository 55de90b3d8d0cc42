"""ANP's panel on the Defend page: the sorted masks with the pruned ones marked, and the contrast with
Fine-Pruning in words."""

import json
from dataclasses import replace

from apptest import fresh_app, texts, trained

from backdoor.defenses.registry import DEFENSES


def test_anp_panel_shows_each_neurons_mask_marks_the_pruned_and_contrasts_fine_pruning(monkeypatch):
    anp = DEFENSES["anp"]
    monkeypatch.setitem(DEFENSES, "anp", replace(anp, config=replace(anp.config, steps=5)))  # a short search
    at = fresh_app(**{"train.epochs": 1, "poison.rate_pct": 15.0})
    at.run()
    trained(at)
    at.switch_page("pages/defend.py").run()
    at.multiselect(key="w:defend.chosen").set_value(["anp"]).run()
    at.button(key="btn.defend.run").click().run()
    assert not at.exception, at.exception
    page = texts(at)
    assert "Each bar is one of the model's 224 neurons" in page
    assert "Fine-Pruning cuts the neurons clean images leave *quiet*; ANP cuts the *fragile* ones" in page
    chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "lowest mask first" in c.proto.spec)
    bars = {trace["name"]: trace for trace in chart["data"]}
    kept, pruned = bars["kept"], bars["pruned (mask below the threshold)"]
    assert len(kept["x"]) + len(pruned["x"]) == 224
    assert all(m < 0.2 for m in pruned["y"]) and all(m >= 0.2 for m in kept["y"])
    assert pruned["marker"]["pattern"]["shape"] == "/"  # marked by hatching, not by colour alone
    summary = at.dataframe[-1].value
    assert "ANP (Adversarial Neuron Pruning)" in list(summary["defense"])
