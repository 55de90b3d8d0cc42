"""The server's page log: one line per script run, only when asked, however the run ends."""

from __future__ import annotations

import time

import pytest

from tests.apptest import fresh_app
from ui import page_timing


def test_nothing_is_written_unless_a_file_is_named(monkeypatch, tmp_path):
    monkeypatch.delenv(page_timing.PAGE_TIMES, raising=False)
    with page_timing.timed("start", time.perf_counter()):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_run_stopped_by_a_newer_click_is_logged_with_what_stopped_it(monkeypatch, tmp_path):
    log = tmp_path / "pages.jsonl"
    monkeypatch.setenv(page_timing.PAGE_TIMES, str(log))

    class RerunException(Exception):  # what Streamlit raises inside a run that a newer click replaces
        pass

    started = time.perf_counter() - 0.25  # the run began a quarter of a second ago
    with pytest.raises(RerunException), page_timing.timed("train", started):
        raise RerunException
    with page_timing.timed("trigger", time.perf_counter()):
        pass
    stopped, drawn = page_timing.read(log)
    assert (stopped["page"], stopped["ended"], drawn["page"], drawn["ended"]) == (
        "train", "RerunException", "trigger", "drawn")
    assert 0.25 <= stopped["seconds"] < 5 and 0 <= drawn["seconds"] < stopped["seconds"]
    assert 0.2 < drawn["started"] - stopped["started"] < 5  # wall-clock starts: the first began earlier
    log.write_text(log.read_text() + '{"session": "cut off by a cra')  # a crash mid-line loses that line only
    assert len(page_timing.read(log)) == 2


def test_each_page_a_student_opens_is_one_line_with_their_session(monkeypatch, tmp_path):
    log = tmp_path / "pages.jsonl"
    monkeypatch.setenv(page_timing.PAGE_TIMES, str(log))
    at = fresh_app()
    at.run()
    at.switch_page("pages/glossary.py").run()
    assert not at.exception
    runs = page_timing.read(log)
    assert [r["page"] for r in runs] == ["start", "glossary"]
    assert all(r["ended"] == "drawn" and r["seconds"] > 0 for r in runs)
    assert runs[0]["session"] and runs[0]["session"] == runs[1]["session"]
