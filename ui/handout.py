"""The workshop kit's parts drawn on the Classroom page: the quiz answer key and the handout."""

from __future__ import annotations

import streamlit as st

from backdoor.classroom import ClassInfo, join_link
from backdoor.classroom.handout import handout_html
from ui.class_admin import base_url
from ui.glossary import quizzes


def answer_key() -> None:
    """Every quiz question with its right answer and why, straight from lessons/quizzes.toml."""
    st.markdown("#### Quiz answer key")
    for page, questions in quizzes().items():
        st.markdown(f"**{page.capitalize()} page**")
        for q in questions:
            st.markdown(f"- {q['question']}  \n  **{q['options'][q['answer']]}.** {q['why']}")


def handout_button(info: ClassInfo) -> None:
    st.download_button("Printable handout (one A4 page)", handout_html(info, join_link(base_url(), info)),
                       file_name=f"handout-{info.code}.html", mime="text/html", icon=":material/print:",
                       key="class.handout", help="Open it in a browser and print: the link, the QR code, the "
                                                 "steps and space for answers, on one page.")
