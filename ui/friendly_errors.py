"""An unexpected error shows a short note and a way back; the traceback goes to the server log.

``client.showErrorDetails = "type"`` (.streamlit/config.toml) already keeps tracebacks out of
the browser; this replaces even Streamlit's redacted box with words a student can act on, and a
reference that finds the full details in the log.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from typing import Iterator

import streamlit as st
from streamlit import config
from streamlit.runtime.scriptrunner import RerunException, StopException
from ui.url_state import link

LOG = logging.getLogger(__name__)


def _tests_want_the_exception() -> bool:
    # AppTest's `at.exception` is how the app's tests notice a failing page, and read why.
    # (AppTest patches streamlit.config.get_option itself; st.get_option keeps the unpatched one.)
    return bool(config.get_option("global.appTest"))


def show_error(reference: str, home) -> None:
    """The note a user sees instead of a traceback, with a link back to ``home`` (an st.Page)."""
    st.error(
        "**Something went wrong on this page.** It is not something you did wrong. "
        f"If it keeps happening, tell your instructor the reference **{reference}**.",
        icon=":material/sentiment_dissatisfied:",
    )
    link(home, label="Start again", icon=":material/restart_alt:", keep=("class", "student"))  # not the settings that failed


@contextlib.contextmanager
def friendly_errors(where: str, home) -> Iterator[None]:
    """Run a page inside this: an exception becomes :func:`show_error` plus a logged traceback."""
    try:
        yield
    except (RerunException, StopException):
        # st.rerun, st.switch_page and st.stop steer the script, they are not errors. (They derive from
        # BaseException, so `except Exception` would pass them anyway; this says so, and stays so.)
        raise
    except Exception as error:
        # A fragment's error arrives as FragmentHandledException with the original chained inside, so the
        # log has it either way; Streamlit has then drawn its own redacted box in the fragment too.
        reference = secrets.token_hex(3)  # one short code, shown to the user and written beside the traceback
        LOG.exception("Unexpected error on page %r (reference %s)", where, reference)
        show_error(reference, home)
        if _tests_want_the_exception():
            # Drawn, not re-raised: st.exception shows the message and traceback that "type" would redact.
            st.exception(error)
