"""In a class, a defense run is recorded as stopping the attack only where the attack had taken hold."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import ui.defense_session as session
from backdoor.metrics import Evaluation
from backdoor.outcomes import Outcome


def _lab(asr_before: float, clean_before: float = 0.97):
    return SimpleNamespace(model_id="m", model=object(), scenario=SimpleNamespace(attack="badnets"),
                           dataset=SimpleNamespace(num_classes=10),
                           evaluate=lambda model: Evaluation(clean_before, asr_before))


@pytest.mark.parametrize("before, after, held, caught", [
    (0.0, 0.0, False, False),  # a poison rate of 0: nothing took hold, so nothing was stopped
    (0.49, 0.01, False, False),
    (0.5, 0.1, True, True),  # the edges: took hold at 50%, stopped at 10%
    (1.0, 0.1001, True, False),
    (1.0, 0.02, True, True),
])
def test_a_run_is_caught_only_where_the_attack_had_taken_hold(monkeypatch, before, after, held, caught):
    recorded = []
    monkeypatch.setattr(session, "member", lambda: object())
    monkeypatch.setattr(session, "record_event", lambda kind, key, payload: recorded.append((kind, payload)))
    session.record_outcome(_lab(before), "strip", Outcome(after=Evaluation(0.96, after)))
    [(kind, payload)] = recorded
    assert kind == "defense" and payload["took_hold"] is held and payload["caught"] is caught
    assert payload["asr_before"] == before and payload["asr_after"] == after


def test_outside_a_class_nothing_is_measured_or_recorded(monkeypatch):
    recorded = []
    monkeypatch.setattr(session, "member", lambda: None)
    monkeypatch.setattr(session, "record_event", lambda *a: recorded.append(a))
    lab = SimpleNamespace(model_id="m", model=object(), scenario=SimpleNamespace(attack="badnets"),
                          evaluate=lambda model: pytest.fail("evaluated outside a class"))
    session.record_outcome(lab, "strip", Outcome(after=Evaluation(0.96, 0.0)))
    assert recorded == []


def test_a_run_on_a_model_that_learnt_nothing_never_counts_as_the_attack_taking_hold(monkeypatch):
    """A model that answers '0' for everything (10% clean accuracy) 'succeeds' on every triggered image: no
    defense stopped a backdoor there, whatever its figures after."""
    recorded = []
    monkeypatch.setattr(session, "member", lambda: object())
    monkeypatch.setattr(session, "record_event", lambda kind, key, payload: recorded.append(payload))
    session.record_outcome(_lab(1.0, clean_before=0.102), "strip", Outcome(after=Evaluation(0.09, 0.0)))
    session.record_outcome(_lab(1.0, clean_before=0.15), "strip", Outcome(after=Evaluation(0.15, 0.0)))
    assert [(p["took_hold"], p["caught"]) for p in recorded] == [(False, False), (True, True)]
