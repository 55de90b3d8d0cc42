"""A page that fails shows a short note and a way back, never a traceback (issue 21).

AppTest runs app.py in-process, so a library function a page calls can be swapped for one that
raises (or stops, or reruns) with monkeypatch; the page script picks it up on its next run.
"""

from __future__ import annotations

import logging

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import ui.friendly_errors
import ui.lessons
from conftest import ROOT


@pytest.fixture
def as_served(monkeypatch):
    # Under AppTest the wrapper also draws the exception, so test_app.py's `not at.exception` still
    # catches a failing page; here the app behaves as it does for a user.
    monkeypatch.setattr(ui.friendly_errors, "_tests_want_the_exception", lambda: False)


def start_page_calls(monkeypatch, action) -> AppTest:
    """The app, its start page calling ``action`` where it shows its lesson."""
    monkeypatch.setattr(ui.lessons, "show_lesson", lambda *args, **kwargs: action())
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_a_failing_page_shows_a_note_and_a_start_again_link_and_logs_the_traceback(
        monkeypatch, as_served, caplog):
    def boom():
        raise RuntimeError("secret detail: /srv/lab/weights.pt")

    with caplog.at_level(logging.ERROR, logger="ui.friendly_errors"):
        at = start_page_calls(monkeypatch, boom).run()
    assert not at.exception  # no Streamlit error box at all
    [note] = at.error
    assert "Something went wrong on this page" in note.value
    assert "secret detail" not in note.value
    assert any(link.label == "Start again" for link in at.get("page_link"))
    [record] = caplog.records
    assert record.exc_info[0] is RuntimeError  # the full traceback is in the server log
    assert record.getMessage().split("reference ")[1].rstrip(")") in note.value  # one code, both places


def test_under_apptest_the_failure_still_reaches_at_exception_unredacted(monkeypatch):
    def boom():
        raise RuntimeError("boom")

    at = start_page_calls(monkeypatch, boom).run()
    [error] = at.exception
    assert error.message == "boom"  # not the generic line client.showErrorDetails = "type" gives users
    assert any("in boom" in line for line in error.stack_trace)
    assert "Something went wrong on this page" in at.error[0].value


def test_stop_is_not_an_error(monkeypatch, as_served):
    at = start_page_calls(monkeypatch, st.stop).run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Backdoor Lab"  # drawn before the stop


def test_rerun_is_not_an_error(monkeypatch, as_served):
    runs = []

    def rerun_once():
        runs.append(1)
        if len(runs) == 1:
            st.rerun()

    at = start_page_calls(monkeypatch, rerun_once).run()
    assert len(runs) == 2
    assert not at.exception
    assert not at.error


def test_switch_page_is_not_an_error(monkeypatch, as_served):
    at = start_page_calls(monkeypatch, lambda: st.switch_page("pages/glossary.py")).run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Glossary"


def test_a_page_opened_by_itself_is_drawn_through_the_router():
    # AppTest, like a fresh server, runs a switched-to page in Streamlit's pages/-folder mode;
    # the page's first line sends the run through app.py, so the shared sidebar is there.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/glossary.py").run()
    assert not at.exception
    assert at.title[0].value == "Glossary"
    assert [radio.label for radio in at.sidebar.radio] == ["Who is using the lab?"]
