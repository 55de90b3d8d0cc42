"""A class: created by an instructor with a PIN, joined by students with a nickname, ended.

Codes use letters and digits nobody confuses when read off a projector (no 0/O, 1/I/L). The
PIN is stored as a salted scrypt hash. Wrong PINs are counted per code, whether or not that
class exists, and the message never says which: guessing is slow and tells nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backdoor.classroom.db import Database
from backdoor.classroom.schema import ClassRow, PinFailureRow, StudentRow
from backdoor.presets import PRESETS

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 6
MAX_NICKNAME = 24
MAX_CLASS_NAME = 80
PIN_DIGITS = (4, 12)
PIN_TRIES = 5  # wrong PINs per code ...
PIN_WINDOW = timedelta(minutes=10)  # ... within this window, then that code is locked for the rest of it
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class ClassroomError(ValueError):
    """Input the classroom cannot accept; the message says what to do instead."""


@dataclass(frozen=True)
class ClassInfo:
    id: int
    code: str
    name: str
    preset: str
    seed: int
    created_at: datetime
    revealed: bool
    ended: bool


@dataclass(frozen=True)
class Member:
    """A student in a class: what every recorded event is filed under."""

    class_id: int
    code: str
    student_id: int
    nickname: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


def utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite hands them back without their zone)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    _, salt, _ = stored.split("$")
    return hmac.compare_digest(hash_pin(pin, bytes.fromhex(salt)), stored)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normal_code(code: str) -> str:
    """A code as typed ("k7p 2qx") in its stored form ("K7P2QX")."""
    return "".join(str(code or "").split()).upper()


def _info(row: ClassRow) -> ClassInfo:
    return ClassInfo(row.id, row.code, row.name, row.preset, row.seed, utc(row.created_at),
                     row.revealed_at is not None, row.ended_at is not None)


def create_class(db: Database, name: str, pin: str, preset: str, seed: int) -> ClassInfo:
    """A new class with a fresh code. The PIN (4-12 digits) guards its instructor mode."""
    name = " ".join(str(name or "").split())
    if not name:
        raise ClassroomError("Give the class a name, e.g. 'Tuesday workshop'.")
    if len(name) > MAX_CLASS_NAME:
        raise ClassroomError(f"A class name can have at most {MAX_CLASS_NAME} characters.")
    low, high = PIN_DIGITS
    if not (str(pin).isdigit() and low <= len(str(pin)) <= high):
        raise ClassroomError(f"The instructor PIN must be {low} to {high} digits.")
    if preset not in PRESETS:
        raise ClassroomError(f"Unknown preset {preset!r}.")
    if not 0 <= int(seed) <= 9999:
        raise ClassroomError("The seed must be between 0 and 9999.")
    for _ in range(20):  # 31^6 codes: a clash is rare, and retried
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with db.session() as session:
                row = ClassRow(code=code, name=name, pin_hash=hash_pin(str(pin)), preset=preset, seed=int(seed),
                               created_at=_now())
                session.add(row)
                session.flush()
                return _info(row)
        except IntegrityError:  # pragma: no cover - a code clash
            continue
    raise ClassroomError("Could not find a free class code; try again.")  # pragma: no cover


def find_class(db: Database, code: str, open_only: bool = True) -> ClassInfo | None:
    """The class with this code (None if there is none, or it has ended and ``open_only``)."""
    with db.session() as session:
        row = session.scalar(select(ClassRow).where(ClassRow.code == normal_code(code)))
        if row is None or (open_only and row.ended_at is not None):
            return None
        return _info(row)


def _open_class(db: Database, code: str) -> ClassInfo:
    found = find_class(db, code)
    if found is None:
        raise ClassroomError("No open class has that code. Check it with your instructor: it is 6 letters and "
                             "digits, and a class that has ended no longer admits anyone.")
    return found


def normal_nickname(nickname: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", str(nickname or "")).split())
    if not text:
        raise ClassroomError("Pick a nickname: any short name your instructor will recognise (not your full name).")
    if len(text) > MAX_NICKNAME:
        raise ClassroomError(f"A nickname can have at most {MAX_NICKNAME} characters; yours has {len(text)}.")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise ClassroomError("A nickname can only hold letters, digits, spaces and punctuation.")
    return text


def join_class(db: Database, code: str, nickname: str) -> tuple[Member, str]:
    """Join an open class: the member, and a secret token that lets this student back in after a
    reload (kept in their link). A nickname already in the class, whatever its case, is refused."""
    info = _open_class(db, code)
    nickname = normal_nickname(nickname)
    token = secrets.token_urlsafe(18)
    try:
        with db.session() as session:
            row = StudentRow(class_id=info.id, nickname=nickname, nickname_key=nickname.casefold(),
                             token_hash=_token_hash(token), joined_at=_now())
            session.add(row)
            session.flush()
            return Member(info.id, info.code, row.id, nickname), token
    except IntegrityError:
        raise ClassroomError(f"Someone in this class is already called '{nickname}'. Pick another nickname.") from None


def rejoin(db: Database, code: str, token: str) -> Member | None:
    """The student whose link carries ``token``, back in their class (None if unknown or ended)."""
    info = find_class(db, code)
    if info is None or not token:
        return None
    with db.session() as session:
        row = session.scalar(select(StudentRow).where(StudentRow.class_id == info.id,
                                                      StudentRow.token_hash == _token_hash(str(token))))
        return None if row is None else Member(info.id, info.code, row.id, row.nickname)


def instructor_login(db: Database, code: str, pin: str) -> ClassInfo:
    """The class, if ``pin`` is its instructor PIN. Any failure says the same thing, and after
    ``PIN_TRIES`` wrong tries on a code within ``PIN_WINDOW`` that code accepts no PIN for a while."""
    code = normal_code(code)[:40]
    since = _now() - PIN_WINDOW
    refused = ClassroomError("That class code and PIN do not match an open class.")
    with db.session() as session:
        failures = session.scalar(select(func.count()).select_from(PinFailureRow)
                                  .where(PinFailureRow.code == code, PinFailureRow.at >= since))
        if failures >= PIN_TRIES:
            raise ClassroomError(f"Too many wrong tries for this code. Wait {int(PIN_WINDOW.total_seconds() // 60)} "
                                 "minutes and try again.")
        row = session.scalar(select(ClassRow).where(ClassRow.code == code, ClassRow.ended_at.is_(None)))
        if row is not None and pin_matches(str(pin), row.pin_hash):
            return _info(row)
        session.add(PinFailureRow(code=code, at=_now()))
    raise refused


def end_class(db: Database, class_id: int) -> None:
    """Archive a class: its results stay, its link admits nobody new."""
    with db.session() as session:
        row = session.get(ClassRow, class_id)
        if row is not None and row.ended_at is None:
            row.ended_at = _now()


def reveal(db: Database, class_id: int) -> None:
    """Open the answers to the class: from now on verdicts are frozen."""
    with db.session() as session:
        row = session.get(ClassRow, class_id)
        if row is not None and row.revealed_at is None:
            row.revealed_at = _now()


def join_link(base_url: str, info: ClassInfo) -> str:
    """The link students open: the join page with the class code, its preset and its seed."""
    query = urlencode({"class": info.code, "preset": info.preset, "seed": info.seed})
    return f"{base_url.rstrip('/')}/join?{query}"
