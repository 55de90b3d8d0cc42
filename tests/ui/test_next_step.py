"""The "Next:" link follows the path of whoever is using the lab, named as their menu names it."""

from pathlib import Path

import pytest

from ui.menus import MENUS, STAKEHOLDER_TITLES
from ui.next_step import LABELS, STORY, next_page

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("audience", list(STORY))
def test_each_step_leads_to_the_one_after_it_and_the_last_to_nothing(audience):
    path, stakeholder = STORY[audience], audience == "Stakeholder"
    for here, there in zip(path, path[1:]):
        assert next_page(here, stakeholder)[0] == there
    assert next_page(path[-1], stakeholder) is None
    assert next_page("glossary", stakeholder) is None  # off the path: no "Next:"


def test_a_stakeholder_is_led_along_their_own_numbered_menu_by_its_names():
    path = STORY["Stakeholder"]
    assert path == [p for p in MENUS["Stakeholder"] if p not in ("start", "glossary")]
    assert next_page("train", True) == ("trigger", "Next: 3. See the trigger take over")
    assert next_page("trigger", True) == ("matrix", f"Next: {STAKEHOLDER_TITLES['matrix']}")
    # the student's wording, never the stakeholder's menu number, on the student's path
    assert next_page("trigger", False) == ("explain", f"Next: {LABELS['explain']}")
    assert next_page("poison", False) == ("train", "Next: train a model on this data")


def test_the_student_path_keeps_the_order_of_the_student_menu():
    menu = MENUS["Student"]
    path = [p for p in STORY["Student"] if p in menu]  # the brief is off the student's menu, reached from the drill
    assert path == sorted(path, key=menu.index)


@pytest.mark.parametrize("page", sorted({p for path in STORY.values() for p in path[:-1]}))
def test_every_page_on_a_path_draws_its_next_link_under_its_own_name(page):
    source = (ROOT / "pages" / f"{page}.py").read_text()
    assert f'next_link("{page}")' in source
    assert all((ROOT / "pages" / f"{p}.py").exists() for path in STORY.values() for p in path)
