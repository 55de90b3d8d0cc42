"""The lab's stylesheet (ui/assets/lab.css): touch targets, focus rings, pictures on phones."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

STYLESHEET = Path(__file__).resolve().parent / "assets" / "lab.css"


def lab_style() -> None:
    """Every page, from app.py: a style-only ``st.html`` takes no room on the page."""
    st.html(STYLESHEET)
