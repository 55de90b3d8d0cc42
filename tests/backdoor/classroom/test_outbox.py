"""Steps that wait for the database: a real PostgreSQL stopped and started again mid-class."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from backdoor.classroom import ClassroomUnavailable, class_events, create_class, join_class, record, reveal
from backdoor.classroom.db import open_database
from backdoor.classroom.outbox import Outbox
from benchmarks.postgres import postgres


@pytest.fixture(scope="module")
def server():
    with postgres() as running:
        yield running


def test_a_restarted_database_gets_every_waiting_step_in_order_and_once(server):
    db = open_database(server.url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    ada, _ = join_class(db, info.code, "Ada")
    record(db, ada, "step", "1", {"page": "Poison"})
    outbox = Outbox()
    server.stop()
    try:
        with pytest.raises(ClassroomUnavailable):
            record(db, ada, "step", "2", {"page": "Train"})
        early = datetime.now(timezone.utc) - timedelta(minutes=1)
        outbox.add("step", "2", {"page": "Train"}, at=early)
        outbox.add("quiz", "train.0", {"answer": 1, "correct": True})
        assert outbox.flush(db, ada) == 0 and len(outbox) == 2  # still away: nothing is lost
    finally:
        server.start()
    assert outbox.flush(db, ada) == 2 and len(outbox) == 0
    events = class_events(db, info.id)  # the same Database object reads again: the dashboard recovers
    assert [(e.kind, e.key) for e in events] == [("step", "1"), ("step", "2"), ("quiz", "train.0")]
    assert abs((events[1].at - early).total_seconds()) < 1  # when it happened, not when it was sent
    outbox.add("quiz", "train.0", {"answer": 1, "correct": True})  # a retry of a write that did land
    assert outbox.flush(db, ada) == 1 and len(class_events(db, info.id)) == 3
    db.engine.dispose()


def test_a_refused_event_is_dropped_and_the_rest_still_go(server):
    db = open_database(server.url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    ada, _ = join_class(db, info.code, "Ada")
    reveal(db, info.id)
    outbox = Outbox()
    outbox.add("mystery", "1:4:1:x", {"backdoored": True})  # after the reveal: refused, not retried forever
    outbox.add("quiz", "q", {"answer": 0})
    assert outbox.flush(db, ada) == 1 and len(outbox) == 0
    assert [e.kind for e in class_events(db, info.id)] == ["quiz"]
    db.engine.dispose()


def test_the_outbox_keeps_the_newest_within_its_limit():
    outbox = Outbox(limit=3)
    for n in range(5):
        outbox.add("step", str(n), {})
    assert len(outbox) == 3 and [p.key for p in outbox._pending] == ["2", "3", "4"]
