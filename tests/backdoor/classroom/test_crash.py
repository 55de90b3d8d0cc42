"""Nothing is lost: the writing server is killed with SIGKILL mid-stream and a new one started; every
acknowledged event is kept and every retried one is stored once (benchmarks/classroom_db.py at small scale)."""

from benchmarks.classroom_db import run_backend


def test_a_killed_writer_loses_nothing_and_retries_double_nothing(class_db):
    url = class_db.engine.url.render_as_string(hide_password=False)
    figures = run_backend(url, students=6, events=6)
    assert figures["acknowledged_before_kill"] >= 18  # the kill came mid-stream
    assert figures["events_recorded"] == figures["events_sent"] == 36
    assert figures["duplicates"] == 0 and figures["lost"] == 0
