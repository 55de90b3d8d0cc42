"""A "Working..." badge whenever the page is running: the minimal toolbar hides Streamlit's own.

Pure CSS on the attribute Streamlit keeps on its app element (``data-test-script-state``), so it
needs no script run of its own to appear or go. It shows only once a run has lasted a moment,
so an instant answer (a fragment's redraw) never flickers it.
"""

from __future__ import annotations

import streamlit as st

SHOW_AFTER_S = 0.4

BADGE = f"""<style>
[data-testid="stApp"][data-test-script-state="running"]::after {{
  content: "Working\\2026";
  position: fixed; top: 0.6rem; right: 3.5rem; z-index: 999990;
  padding: 0.15rem 0.7rem; border-radius: 1rem;
  background: #111111; color: #ffffff; font-size: 0.875rem;
  opacity: 0; animation: lab-working-show 0s linear {SHOW_AFTER_S}s forwards;
}}
@keyframes lab-working-show {{ to {{ opacity: 1; }} }}
</style>"""


def running_badge() -> None:
    """Draw the badge's style (app.py, on every run, before the page)."""
    st.html(BADGE)
