"""A student's events that wait for the database: kept while it is away, sent when it is back.

A class database can restart mid-class (an upgrade, a failover). An event that cannot be written
then waits here, with the time it happened, and is written on the next try. Writing an event is
idempotent (``events.record``), so a retry that did reach the database before the connection
dropped leaves one row, never two.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from backdoor.classroom.classes import ClassroomError, Member
from backdoor.classroom.db import ClassroomUnavailable, Database
from backdoor.classroom.events import record

MAX_PENDING = 500  # a few hours of one student's clicks; the oldest go first beyond it


@dataclass(frozen=True)
class Pending:
    kind: str
    key: str
    payload: dict
    at: datetime


class Outbox:
    """One session's unsent events, oldest first."""

    def __init__(self, limit: int = MAX_PENDING):
        self.limit = limit
        self._pending: list[Pending] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, kind: str, key: str, payload: dict, at: datetime | None = None) -> None:
        with self._lock:
            self._pending.append(Pending(kind, key, payload, at or datetime.now(timezone.utc)))
            del self._pending[:-self.limit]

    def flush(self, db: Database, member: Member) -> int:
        """Send what waits, in order; stop at the first write the database cannot take (the rest
        wait for the next try). An event the class refuses (a verdict after the reveal) is dropped.
        Returns how many were sent."""
        sent = 0
        with self._lock:
            while self._pending:
                event = self._pending[0]
                try:
                    record(db, member, event.kind, event.key, event.payload, at=event.at)
                    sent += 1
                except ClassroomUnavailable:
                    break
                except ClassroomError:
                    pass
                self._pending.pop(0)
        return sent
