"""Recording what students do: once each, in order, on SQLite and on a real PostgreSQL."""

import threading

import pytest

from backdoor.classroom import ClassroomError, class_events, create_class, join_class, record, roster


def test_an_event_is_recorded_once_however_often_it_is_sent(class_db):
    info = create_class(class_db, "Class", "1234", "classic-patch", 0)
    ada, _ = join_class(class_db, info.code, "Ada")
    bob, _ = join_class(class_db, info.code, "Bob")
    payload = {"attack": "badnets", "poison_rate": 0.1, "clean_acc": 0.972, "asr": 1.0}
    assert record(class_db, ada, "trained", "cfg-1", payload) is True
    assert record(class_db, ada, "trained", "cfg-1", payload) is False  # a refresh, a retry
    assert record(class_db, bob, "trained", "cfg-1", payload) is True  # another student: another event
    assert record(class_db, ada, "quiz", "cfg-1", {"answer": 2}) is True  # another kind: another event
    events = class_events(class_db, info.id)
    assert [(e.nickname, e.kind) for e in events] == [("Ada", "trained"), ("Bob", "trained"), ("Ada", "quiz")]
    assert events[0].payload == payload
    assert [e.nickname for e in class_events(class_db, info.id, "quiz")] == ["Ada"]
    assert [name for name, _ in roster(class_db, info.id)] == ["Ada", "Bob"]


def test_concurrent_writes_of_the_same_event_leave_one_row(class_db):
    info = create_class(class_db, "Class", "1234", "classic-patch", 0)
    ada, _ = join_class(class_db, info.code, "Ada")
    results = []

    def send():
        results.append(record(class_db, ada, "quiz", "q-1", {"answer": 1}))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert len(class_events(class_db, info.id)) == 1


def test_unknown_or_oversized_events_are_refused(class_db):
    info = create_class(class_db, "Class", "1234", "classic-patch", 0)
    ada, _ = join_class(class_db, info.code, "Ada")
    with pytest.raises(ClassroomError, match="Unknown event kind"):
        record(class_db, ada, "cheat", "k", {})
    with pytest.raises(ClassroomError, match="too large"):
        record(class_db, ada, "quiz", "k", {"answer": "x" * 30_000})
    assert class_events(class_db, info.id) == []
