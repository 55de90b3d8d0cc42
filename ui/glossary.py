"""The glossary and the quizzes, both kept as words in lessons/."""

from __future__ import annotations

import tomllib
from functools import lru_cache

import streamlit as st

from ui.classroom import record_event
from ui.lessons import LESSONS
from ui.state import is_stakeholder
from ui.url_state import link


@lru_cache(maxsize=1)
def glossary() -> dict[str, dict[str, str]]:
    with open(LESSONS / "glossary.toml", "rb") as f:
        return tomllib.load(f)


@lru_cache(maxsize=1)
def quizzes() -> dict[str, list[dict]]:
    with open(LESSONS / "quizzes.toml", "rb") as f:
        return tomllib.load(f)


def in_sentence(term: str, plain: bool = False) -> str:
    """A glossary term as it reads inside a sentence: its first letter small, its acronyms kept
    ("attack success rate (ASR)", never "(asr)"; "ANP (Adversarial Neuron Pruning)" as it is).
    ``plain`` (a stakeholder's page, no jargon): without the acronyms in brackets ("calibration")."""
    first = term.split(" ", 1)[0]
    if first.isupper() or (len(first) > 1 and first[1].isupper()):
        return term  # an acronym leads: ANP, SHA-256
    if plain and term.endswith(")") and " (" in term:
        term = term[:term.index(" (")]
    return term[:1].lower() + term[1:]


def glossary_link(*terms: str) -> None:
    """A line naming the page's key terms, with a link to the glossary (the session is kept)."""
    words = ", ".join(in_sentence(glossary()[t]["term"], plain=is_stakeholder()) for t in terms)
    row = st.container(horizontal=True, vertical_alignment="center")  # the link never squeezed into "Glossar y"
    row.caption(f"Words on this page: {words}.")
    link("pages/glossary.py", label="Glossary", icon=":material/menu_book:", where=row)


def quiz(page: str) -> None:
    """The page's questions, each with instant feedback and the reason for the right answer.
    Each question is a fragment: answering it redraws the question, not the whole page (on a
    busy classroom server, a quiz click on the Train page would otherwise evaluate both models
    and draw every chart again)."""
    questions = quizzes().get(page, [])
    if not questions:
        return
    with st.expander(f"Check your understanding ({len(questions)} question{'s' if len(questions) > 1 else ''})"):
        for i, q in enumerate(questions):
            _question(page, i, q)


@st.fragment
def _question(page: str, i: int, q: dict) -> None:
    choice = st.radio(q["question"], range(len(q["options"])), format_func=lambda k: q["options"][k],
                      index=None, key=f"quiz.{page}.{i}")
    if choice is None:
        return
    record_event("quiz", f"{page}.{i}", {"page": page, "question": i, "answer": int(choice),
                                         "correct": choice == q["answer"]})  # in a class: the first answer
    if choice == q["answer"]:
        st.success(f"Right. {q['why']}", icon=":material/check_circle:")
    else:
        st.warning(f"Not quite: the answer is \"{q['options'][q['answer']]}\". {q['why']}",
                   icon=":material/lightbulb:")
