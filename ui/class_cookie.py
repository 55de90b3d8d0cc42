"""A student's class, kept by their browser. The class and its secret ride in the page's address
(ui/classroom.py), but an address typed by hand or a new tab carries neither; once this session's
student is known, the server has their browser keep them in a cookie (``keep_in_browser``), and a new
session without them reads it back here. The cookie also tells a reload from a copied link: a link
that names a student opens silently only in the browser that keeps that student's cookie; any other
browser is asked whether it is that student (``claim_prompt``), so a link shared with a neighbour
does not make the neighbour that student. "Leave this class" on the Join page forgets it, for a
shared computer or the wrong class."""

from __future__ import annotations

import json
from urllib.parse import quote

import streamlit as st

from backdoor.classroom import ClassroomUnavailable
from backdoor.classroom.classes import find_class, normal_code, rejoin
from backdoor.presets import PRESETS
from ui import cookies
from ui.classroom import CLAIM, MEMBER, OUTBOX, TOKEN, class_database
from ui.cookies import COOKIE, cookie_membership, kept_by_this_browser
from ui.state import apply_preset
from ui.words import plain

COOKIE_SECONDS = 12 * 60 * 60  # a workshop day
CHECKED = "class.cookie_checked"  # this session read the cookie once (it does not change within a session)
LEFT = "class.left"  # this session's student left their class (the Join page says so)
FORGET = "class.forget"  # the student just left: this run clears the browser's cookie
_FORGET_HTML = f"<script>document.cookie = '{COOKIE}=; path=/; max-age=0; SameSite=Lax';</script>"
_CLASS_KEYS = ("class", "student")


def _keep_html(code: str, token: str) -> str:
    value = json.dumps(f"{COOKIE}={quote(f'{code}:{token}', safe='')}; path=/; max-age={COOKIE_SECONDS}; SameSite=Lax")
    return f"<script>document.cookie = {value};</script>"


def keep_in_browser() -> None:
    """Every run, from app.py: once this session's student is known (joined, rejoined, or said a link is
    theirs), their browser keeps them in its cookie. Sent while the cookie this session started with
    names someone else or no one; a page drawn again does not run the script again."""
    me, token = st.session_state.get(MEMBER), st.session_state.get(TOKEN)
    if me is not None and token and not kept_by_this_browser(me.code, token):
        st.sidebar.html(_keep_html(me.code, token), unsafe_allow_javascript=True)


def _claim_is_mine() -> None:
    found, token = st.session_state.pop(CLAIM)
    st.session_state[MEMBER], st.session_state[TOKEN] = found, token
    st.session_state.pop(LEFT, None)


def claim_prompt() -> None:
    """Above the page, while a student's link waits for an answer in a browser that is not theirs: is
    this them? Yes, and this browser joins as them; no, and the Join page takes the class's code (or
    this browser's own student, from its cookie)."""
    claim = st.session_state.get(CLAIM)
    if claim is None or st.session_state.get(MEMBER) is not None:
        return
    found, token = claim
    who = plain(found.nickname)
    if st.query_params.get("student") != token:  # the address moved on (a new link, a page that dropped it)
        st.session_state.pop(CLAIM, None)
        return
    with st.container(border=True):
        st.markdown(f"**Is this you, {who}?** This address belongs to **{who}** in class **{found.code}**. It "
                    f"carries their place in the class, so whoever opens it is counted as {who} on the instructor's "
                    "screen. If someone shared it with you, join under your own name.")
        yes, no = st.columns(2)
        yes.button(f"Yes, I am {who}", type="primary", on_click=_claim_is_mine, key="btn.claim.yes",
                   icon=":material/how_to_reg:")
        if no.button("No, join under my own name", key="btn.claim.no", icon=":material/person_add:"):
            st.session_state.pop(CLAIM, None)
            st.session_state.pop(CHECKED, None)  # this browser's own class, if its cookie keeps one
            st.switch_page("pages/join.py", query_params={k: v for k, v in st.query_params.items() if k != "student"})


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
    code, token = cookie_membership(cookies.browser_cookie())
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
    for key in (MEMBER, TOKEN, OUTBOX, CLAIM, "class.step", "class.warned"):
        st.session_state.pop(key, None)
    st.session_state[LEFT] = st.session_state[FORGET] = True
    for key in _CLASS_KEYS:
        st.query_params.pop(key, None)
