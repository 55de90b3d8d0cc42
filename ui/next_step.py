"""The "Next:" link at the foot of a story page: the next page of the path this audience walks.

A student (and an instructor) walks the lab's numbered story; a stakeholder walks a shorter
path of their own (``ui.menus``), so the link names the next page as their menu does. A page
off the audience's path, or at its end, shows no "Next:" link.
"""

from __future__ import annotations

from ui.menus import MENUS, STAKEHOLDER_TITLES
from ui.state import is_stakeholder
from ui.url_state import link

# The student's story is the student menu's order from the Poison page, plus the board brief (off
# their menu, reached from the drill); the stakeholder's is their menu between its start and glossary.
STORY: dict[str, list[str]] = {
    "Student": ["poison", "train", "trigger", "explain", "defend", "matrix", "govern", "tabular", "drill", "brief"],
    "Stakeholder": [page for page in MENUS["Stakeholder"] if page not in ("start", "glossary")],
}

# What each page is, as the step before it invites the student there.
LABELS: dict[str, str] = {
    "train": "train a model on this data",
    "trigger": "fire the trigger on test images",
    "explain": "see where the model looks, and why the trigger wins",
    "defend": "be the defender: catch and remove the backdoor",
    "matrix": "every attack against every defense",
    "govern": "what this means for an organisation",
    "tabular": "the same backdoor in patient records",
    "drill": "play the day it happens, an incident drill",
    "brief": "take it to the board, a two-page brief",
}


def next_page(here: str, stakeholder: bool) -> tuple[str, str] | None:
    """(page, label) of the step after ``here`` on this audience's path, or None."""
    path = STORY["Stakeholder" if stakeholder else "Student"]
    if here not in path or here == path[-1]:
        return None
    page = path[path.index(here) + 1]
    return page, f"Next: {STAKEHOLDER_TITLES[page] if stakeholder else LABELS[page]}"


def next_link(here: str) -> None:
    """Draw the "Next:" link after page ``here`` (nothing off the path or at its end)."""
    step = next_page(here, is_stakeholder())
    if step is not None:
        link(f"pages/{step[0]}.py", label=step[1], icon=":material/arrow_forward:")
