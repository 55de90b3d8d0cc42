"""Anti-Backdoor Learning on the Defend page: its panel draws the loss histogram, what it set aside,
and the attack before and after unlearning."""

import pytest

from apptest import fresh_app, texts, trained

pytestmark = pytest.mark.trains


def test_the_abl_panel_shows_the_isolated_images_and_the_unlearning():
    at = fresh_app(**{"train.epochs": 1})
    at.run()
    trained(at)
    at.switch_page("pages/defend.py").run()
    at.session_state["defend.chosen"] = ["abl"]
    at.run()
    at.button(key="btn.defend.run").click().run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Training images set aside"] == "400"  # the expected share (10%) of the 4,000 training images
    assert int(shown["Of them really poisoned"]) <= 400
    assert "Attack success after unlearning" in shown and "Clean accuracy after unlearning" in shown
    page = texts(at)
    assert "after unlearning on" in page and "lowest loss" in page
    assert list(at.dataframe[-1].value["defense"]) == ["no defense", "Anti-Backdoor Learning"]
