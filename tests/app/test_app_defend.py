"""The Defend page's settings at the edges of the poison rate the lab offers."""

import pytest

from apptest import fresh_app, texts, trained

pytestmark = pytest.mark.trains

GUESS = "expected poisoned share (%)"


def guess(at) -> float:
    return next(s.value for s in at.slider if s.label.endswith(GUESS))


def test_the_defenders_guess_starts_at_any_rate_the_lab_offers_and_follows_a_new_one():
    at = trained(fresh_app(**{"train.epochs": 1, "poison.rate_pct": 40.0}))  # above the guess's old 30% top
    at.switch_page("pages/defend.py").run()
    assert not at.exception, at.exception
    assert guess(at) == 40.0
    at.session_state["poison.rate_pct"] = 20.0  # other settings, trained too: the guess starts at their rate
    trained(at).switch_page("pages/defend.py").run()
    assert not at.exception, at.exception
    assert guess(at) == 20.0


def test_with_nothing_poisoned_the_page_never_calls_the_model_backdoored():
    at = trained(fresh_app(**{"train.epochs": 1, "poison.rate_pct": 0.0}))
    at.switch_page("pages/defend.py").run()
    assert not at.exception, at.exception
    said = texts(at)
    assert "nothing was poisoned, so it has no backdoor" in said
    assert "The backdoored model from step 2" not in said
