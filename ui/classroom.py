"""The classroom as the pages see it: the class database, who this session is in a class, and
recording what they do. Nothing here ever stops a page: without a database the lab works alone.
"""

from __future__ import annotations

import secrets
import time

import streamlit as st

from backdoor.classroom import ClassInfo, ClassroomError, ClassroomUnavailable, Database, Member, database, record
from backdoor.classroom.classes import find_class, rejoin
from backdoor.classroom.outbox import Outbox
from backdoor.presets import class_setup
from backdoor.scenario import Scenario
from ui import cookies
from ui.resources import class_count

MEMBER = "class.member"  # the Member this session joined as
OUTBOX = "class.outbox"  # events that wait for the class database (classroom.outbox)
TOKEN = "class.token"  # the secret in that student's link, which lets them back in after a reload
INSTRUCTOR = "class.instructor"  # the ClassInfo this session signed in to with its PIN
CLAIM = "class.claim"  # (Member, secret): a student's link opened in a browser that has not said it is theirs
CLASS_MODELS = 4  # models in a class's mystery challenge
RETRY_S = 30  # after a failed connection, how long the lab works alone before trying again
_DOWN: dict[str, float] = {}  # when the database last failed, so pages do not each wait for it


def class_database() -> tuple[Database | None, str]:
    """The class database, or None and why (the lab carries on without class features)."""
    failed = _DOWN.get("at")
    if failed is not None and time.monotonic() - failed < RETRY_S:
        return None, _DOWN["why"]
    try:
        return database(), ""
    except ClassroomUnavailable as error:
        _DOWN.update(at=time.monotonic(), why=str(error))
        return None, str(error)


def member() -> Member | None:
    """The class this session's student is in (restored from their link after a reload).

    A student's link carries their secret, so a copied link would make whoever opens it that
    student. It counts silently only in the browser that keeps that student's class cookie (a
    reload, a bookmark, a replica taking over); any other browser is asked first (CLAIM,
    ``ui.class_cookie.claim_prompt``)."""
    found = st.session_state.get(MEMBER)
    if found is not None:
        return found
    code, token = st.query_params.get("class"), st.query_params.get("student")
    if not (code and token):
        return None
    claim = st.session_state.get(CLAIM)
    if claim is not None and claim[1] == token:
        return None  # asked already: waiting for the answer
    db, _ = class_database()
    if db is None:
        return None
    try:
        found = rejoin(db, code, token)
    except ClassroomUnavailable:
        return None
    if found is None:
        return None
    if not cookies.kept_by_this_browser(found.code, token):
        st.session_state[CLAIM] = found, token
        return None
    st.session_state[MEMBER], st.session_state[TOKEN] = found, token
    return found


def keep_membership_in_url() -> None:
    """Every run: the student's class and secret stay in the URL (a page link drops them), so a
    reload or a bookmark brings them back into their class."""
    me, token = st.session_state.get(MEMBER), st.session_state.get(TOKEN)
    if me is None or token is None:
        return
    if st.query_params.get("class") != me.code or st.query_params.get("student") != token:
        st.query_params.update({"class": me.code, "student": token})


def signed_in_class() -> ClassInfo | None:
    """The class this session's instructor signed in to with its PIN (None once it has ended)."""
    info = st.session_state.get(INSTRUCTOR)
    if info is None:
        return None
    db, _ = class_database()
    current = None if db is None else _safe(lambda: find_class(db, info.code))
    if current is None and db is not None:
        st.session_state.pop(INSTRUCTOR, None)
    return current or None


def _safe(call):
    try:
        return call()
    except ClassroomUnavailable:
        return None


def member_class() -> ClassInfo | None:
    """The class this session's student is in, as it is now (revealed? ended?)."""
    me = member()
    db, _ = class_database()
    if me is None or db is None:
        return None
    return _safe(lambda: find_class(db, me.code, open_only=False))


def record_step(path: str, title: str) -> None:
    """A student opened a page: recorded once per visit (reruns of the same page write nothing),
    so the dashboard's "now on" follows them back and forth."""
    if member() is None or st.session_state.get("class.step") == path:
        return
    visits = st.session_state.setdefault("class.visits", [secrets.token_hex(4), 0])  # this session, its count
    visits[1] += 1
    if record_event("step", f"{visits[0]}:{visits[1]}:{path}", {"page": title, "path": path}):
        st.session_state["class.step"] = path


def _mark_down() -> None:
    """A write just failed: work alone for ``RETRY_S`` before trying the database again."""
    _DOWN.update(at=time.monotonic(), why="the class database did not answer")


def _outbox() -> Outbox:
    return st.session_state.setdefault(OUTBOX, Outbox())


def record_event(kind: str, key: str, payload: dict) -> bool:
    """Record a step of this session's student, once (a no-op outside a class): True when it is
    new to the class or waits to be sent, False when the class had it already or refuses it.
    While the database is away the step waits in this session's outbox (a toast says so once)
    and is sent, in order, on a later try; the page carries on."""
    me = member()
    if me is None:
        return False
    outbox = _outbox()
    db = None if send_waiting() is None else class_database()[0]
    if db is not None and not len(outbox):
        try:
            return record(db, me, kind, key, payload)
        except ClassroomError as error:
            st.toast(f"Your class did not take this: {error}", icon=":material/block:")
            return False
        except ClassroomUnavailable:
            _mark_down()
    outbox.add(kind, key, payload)
    if not st.session_state.get("class.warned"):
        st.session_state["class.warned"] = True
        st.toast("Your class's database cannot be reached just now: what you do is kept and sent to your "
                 "instructor when it is back.", icon=":material/cloud_off:")
    return True


def send_waiting() -> int | None:
    """Send this session's events that wait for the class database (every run does, so they go
    as soon as it is back). Returns how many went, or None when it is still away."""
    outbox, me = st.session_state.get(OUTBOX), st.session_state.get(MEMBER)
    if not outbox or me is None:
        return 0
    db, _ = class_database()
    if db is None:
        return None
    sent = outbox.flush(db, me)
    if len(outbox):
        _mark_down()
        return None
    if sent:
        st.session_state.pop("class.warned", None)  # warn again if it goes away again
    return sent


def class_scenario(info: ClassInfo) -> tuple[Scenario, int]:
    """The class's starting scenario (its preset at its seed, as the join page sets it) and the
    number of classes of its data."""
    scenario = class_setup(info.preset, info.seed)
    return scenario, class_count(scenario.dataset, info.seed)


def class_challenge(info: ClassInfo) -> int:
    """The class's mystery challenge code: the same models for everyone in it."""
    return int.from_bytes(info.code.encode(), "big") % 1_000_000
