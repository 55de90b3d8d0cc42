"""Who sees which pages, in which order, under which name.

Students and instructors walk the lab's numbered story; a stakeholder walks a shorter path of
their own, numbered in its own order, so "2." in the menu is "2." at the top of the page too.
"""

from __future__ import annotations

from ui.state import is_stakeholder

# Every page stays reachable (links never break); each audience sees its own menu.
MENUS: dict[str, list[str]] = {
    "Student": ["start", "poison", "train", "trigger", "explain", "defend", "matrix", "govern", "tabular", "drill",
                "audit", "mystery", "redblue", "glossary", "join"],
    "Stakeholder": ["start", "train", "trigger", "matrix", "tabular", "govern", "drill", "brief", "glossary"],
    "Instructor": ["start", "classroom", "mystery", "redblue", "poison", "train", "trigger", "explain", "defend", "matrix",
                   "govern", "tabular", "drill", "audit", "brief", "glossary"],
}

# Every page's name in the student's and instructor's menus (app.py's pages; a stakeholder's below).
TITLES: dict[str, str] = {
    "start": "Start here",
    "poison": "1. Poison the data",
    "train": "2. Train the models",
    "trigger": "3. Fire the trigger",
    "explain": "4. Explain",
    "defend": "5. Defend",
    "matrix": "6. Attack x defense matrix",
    "audit": "Audit a model file",
    "govern": "7. Govern: risk brief",
    "drill": "Incident drill: rollback",
    "tabular": "Patient records",
    "brief": "Board brief and report",
    "classroom": "Classroom tools",
    "mystery": "Mystery models",
    "glossary": "Glossary",
    "join": "Join a class",
    "redblue": "Red vs blue",
}

# The stakeholder's path, numbered in the order of their menu (the glossary is a reference, unnumbered).
STAKEHOLDER_TITLES: dict[str, str] = {
    "start": "1. What a backdoor is",
    "train": "2. Watch a backdoor planted",
    "trigger": "3. See the trigger take over",
    "matrix": "4. Which defenses work",
    "tabular": "5. A flipped diagnosis",
    "govern": "6. Controls, owners and rules",
    "drill": "7. Incident drill: rollback",
    "brief": "8. The board brief",
    "glossary": "Glossary",
}


def menu_title(page: str, title: str) -> str:
    """The name of ``page`` in the menu of whoever is using the lab (``title`` elsewhere).

    Pages use it for their own title too, so a stakeholder's page heading carries the menu's number.
    """
    return STAKEHOLDER_TITLES.get(page, title) if is_stakeholder() else title
