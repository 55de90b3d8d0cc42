"""What students do, recorded once each, and read back for the instructor's dashboard.

Every event has a ``key`` that names it: the same student recording the same kind under the
same key twice (a retried write, a refreshed page) leaves one row. Writes are single
``insert ... on conflict do nothing`` statements, committed before the call returns.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from backdoor.classroom.classes import ClassroomError, Member, utc
from backdoor.classroom.db import Database
from backdoor.classroom.schema import ClassRow, EventRow, StudentRow

# kind -> what it records (the payload's fields)
EVENT_KINDS = {
    "step": "a page of the story the student opened: page",
    "trained": ("a model pair trained: attack, poison_rate, target, clean_acc, asr, baseline_clean_acc, classes, "
                "seconds"),
    "defense": "a defense run: defense, attack, caught, asr_after, clean_acc_after",
    "quiz": "a quiz answer: question, answer, correct",
    "mystery": "a mystery verdict: model, verdict, target",
    "red": "a red-team submission: store_id, architecture, attack, poison_rate, target, clean_acc, asr, "
           "baseline_clean_acc",
    "blue": "a blue-team verdict: store_id, backdoored, target",
}
FROZEN_AT_REVEAL = ("mystery", "blue")  # verdicts: once the instructor reveals the answers, they are final
MAX_KEY = 200
MAX_PAYLOAD = 20_000  # characters of JSON: an event is a few numbers and names, never a picture


@dataclass(frozen=True)
class Event:
    nickname: str
    kind: str
    key: str
    payload: dict
    at: datetime


def _plain(value):
    """JSON both backends accept: a NaN or infinite figure (no attackable image, say) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(db: Database, member: Member, kind: str, key: str, payload: dict, at: datetime | None = None) -> bool:
    """Record that ``member`` did ``kind`` (named ``key``) at ``at`` (default: now). True if it is
    new, False if it was recorded before (then nothing changes). A verdict after the answers were
    revealed is refused."""
    if kind not in EVENT_KINDS:
        raise ClassroomError(f"Unknown event kind {kind!r}.")
    key, payload = str(key)[:MAX_KEY], _plain(payload)
    if len(json.dumps(payload)) > MAX_PAYLOAD:
        raise ClassroomError("That event is too large to record.")
    statement = db.insert(EventRow).values(
        class_id=member.class_id, student_id=member.student_id, kind=kind, key=key, payload=payload,
        created_at=at or datetime.now(timezone.utc),
    ).on_conflict_do_nothing(index_elements=["student_id", "kind", "key"]).returning(EventRow.id)
    with db.session() as session:
        if kind in FROZEN_AT_REVEAL and session.scalar(
                select(ClassRow.revealed_at).where(ClassRow.id == member.class_id)) is not None:
            raise ClassroomError("The answers have been revealed: verdicts can no longer change.")
        return session.execute(statement).first() is not None


def class_events(db: Database, class_id: int, kind: str | None = None) -> list[Event]:
    """Every event of a class (of one ``kind``), oldest first."""
    query = (select(StudentRow.nickname, EventRow.kind, EventRow.key, EventRow.payload, EventRow.created_at)
             .join(StudentRow, StudentRow.id == EventRow.student_id)
             .where(EventRow.class_id == class_id).order_by(EventRow.id))
    if kind is not None:
        query = query.where(EventRow.kind == kind)
    with db.session() as session:
        return [Event(name, kind, key, payload, utc(at)) for name, kind, key, payload, at in session.execute(query)]


def roster(db: Database, class_id: int) -> list[tuple[str, datetime]]:
    """(nickname, joined at) of everyone in the class, in the order they joined."""
    with db.session() as session:
        rows = session.execute(select(StudentRow.nickname, StudentRow.joined_at)
                               .where(StudentRow.class_id == class_id).order_by(StudentRow.id))
        return [(name, utc(at)) for name, at in rows]
