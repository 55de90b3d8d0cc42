"""Benchmark ``classroom_db``: 30 simulated students send 20 events each, concurrently, into the
class database; mid-stream the writing process is killed with SIGKILL and a new one started.

The writer is a separate process (a lab server): one thread per student sends that student's
events in order, with a short think time, and prints an acknowledgement after each commit.
The driver kills it once about half the events are acknowledged, then starts a second writer
that sends every event again, as clients whose requests went unanswered retry them (and some
that were answered: an answer can be lost on the way). Afterwards the database must hold every
event exactly once: nothing acknowledged is lost and nothing retried is doubled.

    python -m benchmarks.classroom_db            # both backends
"""

from __future__ import annotations

import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from backdoor.classroom import create_class, join_class
from backdoor.classroom.db import open_database
from backdoor.classroom.events import record
from backdoor.classroom.schema import EventRow
from benchmarks.postgres import postgres_server

STUDENTS, EVENTS = 30, 20
THINK_S = (0.02, 0.2)  # a student's pause between two events (a quick click-through)


def writer(url: str, members: list[dict], seed: int, events: int = EVENTS) -> None:
    """The writing process: every student's events, one thread each; prints ``ack`` lines."""
    from backdoor.classroom.classes import Member

    db = open_database(url)
    lock = threading.Lock()

    def student(m: dict) -> None:
        rng = random.Random(seed * 1000 + m["student_id"])
        member = Member(**m)
        for n in range(events):
            time.sleep(rng.uniform(*THINK_S))
            start = time.perf_counter()
            new = record(db, member, "step", f"event-{n}", {"n": n, "page": "benchmark"})
            ms = 1000 * (time.perf_counter() - start)
            with lock:
                print(json.dumps({"student": member.nickname, "n": n, "new": new, "ms": round(ms, 2)}), flush=True)

    threads = [threading.Thread(target=student, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _run_writer(url: str, members: list[dict], seed: int, events: int, kill_after: int | None) -> list[dict]:
    command = [sys.executable, "-m", "benchmarks.classroom_db", "--writer", url, json.dumps(members), str(seed),
               str(events)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    acks = []
    for line in process.stdout:
        acks.append(json.loads(line))
        if kill_after is not None and len(acks) >= kill_after:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    return acks


def run_backend(url: str, students: int = STUDENTS, events: int = EVENTS) -> dict:
    """Figures for one backend; the writer is killed once half the events are acknowledged."""
    db = open_database(url)
    info = create_class(db, "Benchmark class", "2468", "classic-patch", 0)
    members = [join_class(db, info.code, f"student-{i:02d}")[0].__dict__ for i in range(students)]
    first = _run_writer(url, members, 1, events, students * events // 2)  # killed mid-stream
    second = _run_writer(url, members, 2, events, None)  # a fresh server; every client sends again
    with db.session() as session:
        rows = session.scalar(select(func.count()).select_from(EventRow).where(EventRow.class_id == info.id))
        distinct = session.execute(select(EventRow.student_id, EventRow.key).where(EventRow.class_id == info.id)
                                   .distinct()).all()
        stored = {(sid, key) for sid, key in distinct}
    ids = {m["nickname"]: m["student_id"] for m in members}
    acknowledged = {(ids[a["student"]], f"event-{a['n']}") for a in first}
    latencies = [a["ms"] for a in first + second]
    db.engine.dispose()
    return {
        "events_sent": students * events,
        "sends_including_retries": len(first) + len(second),
        "acknowledged_before_kill": len(first),
        "events_recorded": len(stored),
        "duplicates": rows - len(stored),
        "lost": len(acknowledged - stored) + (students * events - len(stored)),
        "write_p50_ms": round(statistics.median(latencies), 1),
        "write_p95_ms": round(statistics.quantiles(latencies, n=20)[-1], 1),
    }


def classroom_db() -> dict:
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        figures["sqlite"] = run_backend(f"sqlite:///{folder}/classroom.sqlite3")
    with postgres_server() as url:
        figures["postgresql"] = run_backend(url)
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--writer":
        writer(sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        for backend, values in classroom_db().items():
            print(backend, json.dumps(values, indent=1))
