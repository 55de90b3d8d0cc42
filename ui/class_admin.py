"""The instructor's side of a class: create one or sign in with its PIN, show the join link and
its QR code, reveal the answers, export, and end the class."""

from __future__ import annotations

import html
import io
import os
from urllib.parse import urlsplit

import segno
import streamlit as st

from backdoor.classroom import (
    ClassInfo, ClassroomError, ClassroomUnavailable, class_events, create_class, end_class, instructor_login,
    join_link, reveal,
)
from backdoor.classroom.classes import CODE_ALPHABET, CODE_LENGTH, PIN_DIGITS, normal_code
from backdoor.classroom.dashboard import to_csv
from backdoor.presets import PRESETS
from ui.classroom import INSTRUCTOR, class_challenge, class_database, signed_in_class
from ui.words import plain

PUBLIC_URL = "BACKDOOR_LAB_PUBLIC_URL"  # the address students use, when the server sits behind a proxy
# The URL of a signed-in dashboard names its class (the code, never the PIN: the code is in the join link
# anyway), so a reload, which starts a new session, offers to sign back in to that class.
TEACHING = "teaching"


def base_url() -> str:
    """Where students reach this server: ``BACKDOOR_LAB_PUBLIC_URL``, else the address in this browser."""
    if os.environ.get(PUBLIC_URL):
        return os.environ[PUBLIC_URL]
    url = st.context.url or "http://localhost:8501/"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def qr_png(text: str, scale: int = 12) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def sign_in_or_create() -> ClassInfo | None:
    """The signed-in class, or the forms to create one or sign in (then None)."""
    info = signed_in_class()
    if info is not None:
        if st.query_params.get(TEACHING) != info.code:
            st.query_params[TEACHING] = info.code
        return info
    db, why = class_database()
    if db is None:
        st.warning(f"{why} The tools below work without it.", icon=":material/cloud_off:")
        return None
    remembered = _remembered_code()
    if remembered:
        st.info(f"This page had the dashboard of class **{remembered}** open. A reload or a new tab signs you "
                "out (your class and its results are kept): enter your PIN below to open it again.",
                icon=":material/login:")
    create, sign_in = st.tabs(["Create a class", "Sign in to your class"],
                              default="Sign in to your class" if remembered else None)
    low, high = PIN_DIGITS
    with create, st.form("class.create"):
        name = st.text_input("Class name", max_chars=80, placeholder="e.g. Tuesday workshop")
        preset = st.selectbox("Everyone starts from", list(PRESETS), format_func=lambda p: PRESETS[p].title)
        seed = st.number_input("Seed (everyone gets the same data and numbers)", 0, 9999, 0)
        pin = st.text_input(f"Instructor PIN ({low}-{high} digits)", type="password", max_chars=high,
                            help="Only you need it: it opens this dashboard on any device. It is stored hashed.")
        if st.form_submit_button("Create the class", type="primary", icon=":material/add:"):
            _act(lambda: create_class(db, name, pin, preset, int(seed)))
    with sign_in, st.form("class.sign_in"):
        code = st.text_input("Class code", value=remembered, max_chars=12)
        pin = st.text_input("Instructor PIN", type="password", max_chars=high)
        if st.form_submit_button("Sign in", icon=":material/login:"):
            _act(lambda: instructor_login(db, code, pin))
    return None


def _remembered_code() -> str:
    """The class code a reloaded dashboard's URL names ("" when none, or when it is not a code)."""
    code = normal_code(st.query_params.get(TEACHING, ""))
    return code if len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) else ""


def _act(call) -> None:
    try:
        st.session_state[INSTRUCTOR] = call()
        st.session_state["lab.audience"] = "Instructor"
    except ClassroomError as error:
        st.error(str(error), icon=":material/error:")
        return
    except ClassroomUnavailable as error:
        st.error(str(error), icon=":material/cloud_off:")
        return
    st.rerun()


@st.dialog("Join the class", width="large")
def projector(info: ClassInfo, link: str) -> None:
    st.markdown(f"<div style='text-align:center;font-size:3.5rem;font-weight:700;letter-spacing:.3rem'>"
                f"{info.code}</div>", unsafe_allow_html=True)
    st.image(qr_png(link, scale=16), width="stretch", alt=f"QR code that opens the join link {link}")
    st.markdown(f"<div style='text-align:center;font-size:1.2rem'>{html.escape(link)}</div>", unsafe_allow_html=True)


def class_header(info: ClassInfo) -> None:
    """The class's link, QR code and controls."""
    link = join_link(base_url(), info)
    st.subheader(f"Class {info.code}: {plain(info.name)}")
    left, right = st.columns([1, 3])
    left.image(qr_png(link, scale=6), caption="Scan to join", width="stretch",
               alt=f"QR code that opens the join link {link}")
    right.markdown(f"Students open **{link}** (or scan the code), pick a nickname and land on "
                   f"**{PRESETS[info.preset].title}** at seed {info.seed}: everyone sees the same numbers.")
    right.code(link, language=None, wrap_lines=True)  # wrapped: a phone never scrolls inside it
    right.caption("To have the class's mystery models ready before the round, run on the server: `make warm "
                  f"CHALLENGE={class_challenge(info)} PRESET={info.preset} SEED={info.seed}`.")
    row = right.container(horizontal=True)  # four controls that wrap whole, never "Reveal the a..."
    if row.button("Projector", icon=":material/fullscreen:", key="class.projector",
                 help="The code, the QR code and the link, full screen, for the room."):
        projector(info, link)
    db, _ = class_database()
    if db is None:
        return
    try:
        events = class_events(db, info.id)
    except ClassroomUnavailable as error:
        st.error(str(error), icon=":material/cloud_off:")
        return
    row.download_button("Export CSV", to_csv(events), file_name=f"class-{info.code}.csv", mime="text/csv",
                       icon=":material/download:", key="class.export",
                       help="Every recorded step of every student, one row each.")
    if info.revealed:
        row.button("Answers revealed", disabled=True, icon=":material/visibility:", key="class.revealed")
    elif row.button("Reveal the answers", icon=":material/visibility:", key="class.reveal",
                   help="Students then see the mystery answers; their verdicts are frozen from that moment."):
        reveal(db, info.id)
        st.rerun()
    with row.popover("End the class", icon=":material/logout:"):
        st.caption("Archives the class: its results stay, its link admits nobody new.")
        if st.button("Yes, end it", key="class.end", type="primary"):
            end_class(db, info.id)
            st.session_state.pop(INSTRUCTOR, None)
            st.query_params.pop(TEACHING, None)
            st.rerun()
