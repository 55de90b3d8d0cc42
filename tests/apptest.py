"""Helpers for the AppTest tests: a fresh app, the page's text, and trained models."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import ROOT


def fresh_app(**state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def trained(at: AppTest) -> AppTest:
    """Open the Train page and train, unless models for these settings are trained already."""
    at.switch_page("pages/train.py").run()
    if any(b.key == "btn.train" for b in at.button):
        at.button(key="btn.train").click().run()
    return at


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "success", "warning", "error")
                     for e in getattr(at, kind))
