"""The lab's stylesheet (ui/assets/lab.css): touch targets, focus rings, pictures on phones; and the
phone menu's one script (ui/assets/phone_menu.js): a tap on a page closes the menu over it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

STYLESHEET = Path(__file__).resolve().parent / "assets" / "lab.css"
PHONE_MENU = Path(__file__).resolve().parent / "assets" / "phone_menu.js"
_PHONE_MENU_HTML = f"<script>{PHONE_MENU.read_text()}</script>"  # read once: every page run sends it


def lab_style() -> None:
    """Every page, from app.py: a style-only ``st.html`` takes no room on the page."""
    st.html(STYLESHEET)


def phone_menu() -> None:
    """Every page, from app.py, in the sidebar: on a phone a tap on a page link closes the menu that
    covers the page, as Streamlit's own page list does (the script guards against running twice)."""
    st.sidebar.html(_PHONE_MENU_HTML, unsafe_allow_javascript=True)
