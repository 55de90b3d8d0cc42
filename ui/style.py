"""The lab's stylesheet (ui/assets/lab.css): touch targets, focus rings, pictures on phones; and its
scripts: on a phone a tap on a page closes the menu over it (ui/assets/phone_menu.js), and the main area
shows the focus ring whenever the keys put the focus there, even by way of a script (ui/assets/keyboard.js).
(A student's class cookie is written by the server once it knows the student: ui/class_cookie.py.)"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent / "assets"
STYLESHEET = ASSETS / "lab.css"
SCRIPTS = (ASSETS / "phone_menu.js", ASSETS / "keyboard.js")
_SCRIPTS_HTML = "".join(f"<script>{script.read_text()}</script>" for script in SCRIPTS)  # read once: every run sends it


def lab_style() -> None:
    """Every page, from app.py: a style-only ``st.html`` takes no room on the page."""
    st.html(STYLESHEET)


def lab_scripts() -> None:
    """Every page, from app.py, in the sidebar: on a phone a tap on a page link closes the menu that
    covers the page, as Streamlit's own page list does; the main area's focus ring after keys. Each script
    guards against running twice."""
    st.sidebar.html(_SCRIPTS_HTML, unsafe_allow_javascript=True)
