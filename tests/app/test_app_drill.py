"""The incident drill driven like a risk officer: serve, see the alert, roll back, read the timeline."""

import pytest

from apptest import fresh_app, texts, trained

from backdoor.datasets import load_dataset
from backdoor.drill import DrillConfig, replay, simulate
from backdoor.scenario import Scenario
from backdoor.store import load_or_train

pytestmark = pytest.mark.trains


def drill_page():
    at = trained(fresh_app())
    at.switch_page("pages/drill.py").run()
    assert not at.exception, at.exception
    return at


def test_without_trained_models_it_points_to_step_2():
    at = fresh_app(**{"train.epochs": 29})
    at.switch_page("pages/drill.py").run()
    assert not at.exception and "Train them first" in texts(at)


def test_the_drill_serves_alerts_rolls_back_and_its_timeline_is_the_librarys():
    at = drill_page()
    registry = at.dataframe[0].value
    assert list(registry.columns[:3]) == ["version", "status", "fingerprint checked"]  # what a phone shows first
    assert list(registry["status"]) == ["serving", "kept, not serving"]
    assert list(registry["fingerprint checked"]) == ["matches", "matches"]
    assert at.button(key="btn.drill.rollback").proto.disabled  # v1 serves: nothing to roll back yet

    config = DrillConfig()
    records = load_dataset("mnist-5k")
    scenario = Scenario()
    versions = {1: load_or_train(records, scenario, "baseline").model, 2: load_or_train(records, scenario, "backdoored").model}
    expected = replay(simulate(records, scenario, versions, config), config)
    assert expected.alerted, "the default drill's monitor must alert"
    while at.session_state["drill.clock"] <= expected.alert_at:
        at.button(key="btn.drill.serve").click().run()
    assert "ALERT at request" in texts(at) and list(at.dataframe[0].value["status"])[1] == "serving"
    at.button(key="btn.drill.rollback").click().run()
    rolled_at = at.session_state["drill.rollback"]
    assert list(at.dataframe[0].value["status"]) == ["serving", "rolled back, not serving"]
    said = texts(at)
    assert f"you rolled back to v1 at request {rolled_at + 1}." in said
    assert "Roll back to v1 now" not in said and f"v1 serves again from request {rolled_at + 1} on" in said
    at.button(key="btn.drill.end").click().run()
    assert not at.exception
    assert f"All {config.requests} requests served" in texts(at) and "Keep serving" not in texts(at)
    rolled = replay(simulate(records, scenario, versions, config), config, rollback_at=rolled_at)
    shown = dict(zip(at.dataframe[1].value["event"], at.dataframe[1].value["when"]))
    assert at.metric[3].value == (f"request {rolled.alert_at + 1}" if rolled.alerted else "never")
    assert shown["harmful decisions before the rollback"] == str(rolled.harmful_until_rollback)
    assert shown["rollback to v1"] == f"request {rolled_at + 1}"
    assert rolled.harmful_until_rollback <= expected.harmful
    assert "The playbook" in [h.value for h in at.subheader] and "Keep as evidence" in str(at.table[0].value)

    at.button(key="btn.drill.again").click().run()
    assert at.session_state["drill.clock"] == 0 and at.session_state["drill.rollback"] == -1
    # an early rollback, before the monitor could alert: once every request is served, the alert reads "never"
    while at.session_state["drill.clock"] <= config.update_at:
        at.button(key="btn.drill.serve").click().run()
    at.button(key="btn.drill.rollback").click().run()
    at.button(key="btn.drill.end").click().run()
    early = replay(simulate(records, scenario, versions, config), config, rollback_at=at.session_state["drill.rollback"])
    assert at.metric[3].value == (f"request {early.alert_at + 1}" if early.alerted else "never")


def test_the_lesson_says_when_v2_goes_live_as_the_registry_does():
    at = fresh_app()
    at.run()
    assert "After 40 requests" in texts(at.switch_page("pages/drill.py").run())  # before any model is trained too
    trained(at).switch_page("pages/drill.py").run()
    assert not at.exception, at.exception
    live = DrillConfig().update_at + 1
    said = texts(at)
    assert f"After {live - 1} requests a vendor delivers an update, **v2**, and it goes live from request {live} on" in said
    assert f"v2 goes live at request {live}." in said
    assert "{" not in said.split("Words on this page")[0]  # every placeholder filled


def test_with_nothing_poisoned_the_drill_says_v2_has_no_backdoor():
    at = trained(fresh_app(**{"train.epochs": 1, "poison.rate_pct": 0.0}))
    at.switch_page("pages/drill.py").run()
    assert not at.exception, at.exception
    assert "v2 here carries no backdoor" in texts(at)
    assert "v2 here carries no backdoor" not in texts(drill_page())  # the default scenario: v2 is backdoored
