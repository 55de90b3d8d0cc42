"""Every page is drawn through app.py, even when a shared link is a fresh server's first request.

Streamlit 1.67 decides once per server process, when the first browser session starts, whether
this is an old-style "pages/ folder" app: it is, because a ``pages/`` folder sits beside the
entry file (``PagesManager.uses_pages_directory``), and it stays one until some script calls
``st.navigation``. Until then every run goes through ``_mpa_v1`` (streamlit/runtime/scriptrunner/
script_runner.py), which builds its own navigation from the file names and runs the page file
the URL names, never app.py. A link to ``/train`` opened first on a fresh server therefore ran
``pages/train.py`` alone: no router, no shared settings (``KeyError: 'lab.dataset'``), no sidebar.

Nothing of ours runs before that page file, so each page calls :func:`through_router` first,
which hands the run to app.py.
"""

from __future__ import annotations

import types
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx


def run_without_router() -> bool:
    """True when Streamlit itself, not app.py, picked this page out of the pages/ folder."""
    ctx = get_script_run_ctx()
    if ctx is None:  # imported outside a script run: nothing to redirect
        return False
    entry = Path(ctx.pages_manager.main_script_path).resolve()
    scripts = {
        Path(info["script_path"]).resolve()
        for info in ctx.pages_manager.get_pages().values()
        if info.get("script_path")
    }
    # The folder mode lists the entry file as a page beside pages/*.py; app.py's own list never
    # holds app.py. Checked per session (not by the process-wide flag): tabs that reconnect
    # together after a restart all start in folder mode before the first of them flips it.
    return entry in scripts and len(scripts) > 1


def through_router() -> None:
    """First statement of every page: when app.py did not run, run it now, then end this run.

    app.py runs inside this same script run, as Streamlit itself runs it when ``/`` is the first
    request: its st.navigation replaces the folder's page list and draws this same page (same
    URL, query string and widget input, so a click is not lost), with the settings and sidebar.
    """
    if not run_without_router():
        return
    # What app.py's st.navigation call sets too: from now on every session's runs start at app.py.
    PagesManager.uses_pages_directory = False
    manager = get_script_run_ctx().pages_manager
    entry = manager.main_script_path
    module = types.ModuleType("__main__")  # a fresh namespace, as Streamlit gives every script run
    module.__file__ = entry
    exec(manager.get_page_script_byte_code(entry), module.__dict__)  # noqa: S102 - our own app.py
    st.stop()  # the router has drawn the page; the rest of this file must not draw it again
