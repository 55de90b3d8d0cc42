"""Show the plain-language lessons kept as markdown in lessons/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import streamlit as st

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


@lru_cache(maxsize=32)
def lesson_text(name: str) -> str:
    return (LESSONS / f"{name}.md").read_text(encoding="utf-8")


def show_lesson(name: str) -> None:
    """The page's lesson, in a bordered box at the top of the page."""
    with st.container(border=True):
        st.markdown(lesson_text(name))
