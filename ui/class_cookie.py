"""A student's class, kept by their browser. The class and its secret ride in the page's address
(ui/classroom.py), but an address typed by hand or a new tab carries neither; ui/assets/class_cookie.js
copies them into a cookie, and a new session without them reads it back here. "Leave this class" on
the Join page forgets it, for a shared computer or the wrong class."""

from __future__ import annotations

from urllib.parse import unquote

import streamlit as st

from backdoor.classroom import ClassroomUnavailable
from backdoor.classroom.classes import find_class, normal_code, rejoin
from backdoor.presets import PRESETS
from ui.classroom import MEMBER, OUTBOX, TOKEN, class_database
from ui.state import apply_preset

COOKIE = "lab_class"  # "code:secret" of the class this browser last joined (ui/assets/class_cookie.js)
CHECKED = "class.cookie_checked"  # this session read the cookie once (it does not change within a session)
LEFT = "class.left"  # this session's student left their class (the Join page says so)
FORGET = "class.forget"  # the student just left: this run clears the browser's cookie
_FORGET_HTML = ("<script>window.backdoorLabForgetClass && window.backdoorLabForgetClass();"
                f"document.cookie = '{COOKIE}=; path=/; max-age=0; SameSite=Lax';</script>")
_CLASS_KEYS = ("class", "student")


def browser_cookie() -> str | None:
    """This browser's class cookie, as it came with the session's first request (None without a
    browser: under AppTest the client is a stand-in whose cookies are not strings)."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) else None


def cookie_membership(value: str | None) -> tuple[str | None, str | None]:
    """The class code and secret in a class cookie's value, or (None, None) if it holds none."""
    code, _, token = unquote(value or "").partition(":")
    code, token = code.strip(), token.strip()
    return (code, token) if code and token else (None, None)


def browser_membership() -> None:
    """Every run, from app.py before the settings are written to the address: a new session whose
    address names no student takes its class from this browser's cookie, and starts on the class's
    setup when the address carries no settings either. A link to another class wins over the cookie.
    The run after "Leave this class" clears the cookie."""
    if st.session_state.pop(FORGET, False):
        st.sidebar.html(_FORGET_HTML, unsafe_allow_javascript=True)
    if st.session_state.get(CHECKED) or st.session_state.get(MEMBER) is not None:
        return
    st.session_state[CHECKED] = True  # once: after "Leave this class" the session's cookie no longer counts
    code, token = cookie_membership(browser_cookie())
    linked = st.query_params.get("class")
    if not (code and token) or st.query_params.get("student") or (linked and normal_code(linked) != normal_code(code)):
        return
    db, _ = class_database()
    try:
        found = None if db is None else rejoin(db, code, token)
        info = None if found is None else find_class(db, found.code)
    except ClassroomUnavailable:
        return
    if found is None or info is None:  # an ended class, or a secret it does not know
        return
    st.session_state[MEMBER], st.session_state[TOKEN] = found, token
    if not set(st.query_params) - set(_CLASS_KEYS) and info.preset in PRESETS:  # no settings of its own
        apply_preset(info.preset)
        st.session_state["lab.seed"] = info.seed


def leave_class() -> None:
    """A button's callback: this session's student leaves their class, and this browser forgets it
    (the session, the address and, on the next run, the cookie); the lab goes on alone. What they
    did so far stays on the instructor's dashboard."""
    for key in (MEMBER, TOKEN, OUTBOX, "class.step", "class.warned"):
        st.session_state.pop(key, None)
    st.session_state[LEFT] = st.session_state[FORGET] = True
    for key in _CLASS_KEYS:
        st.query_params.pop(key, None)
