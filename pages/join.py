"""Join a class: the link from the instructor's screen lands here, with the class code filled in."""

import streamlit as st

from backdoor.classroom import ClassroomError, ClassroomUnavailable, join_class
from backdoor.classroom.classes import MAX_NICKNAME, find_class
from backdoor.presets import PRESETS
from ui.class_cookie import LEFT, leave_class
from ui.classroom import MEMBER, TOKEN, class_database, member
from ui.routing import through_router
from ui.state import apply_preset
from ui.url_state import link
from ui.words import plain

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title("Join a class")
db, why = class_database()
if db is None:
    st.warning(f"{why} Everything else in the lab works: start on your own from **Start here**.",
               icon=":material/cloud_off:")
    link("pages/start.py", label="Start here", icon=":material/flag:")
    st.stop()

me = member()
if me is not None:
    st.success(f"You are in class **{me.code}** as **{plain(me.nickname)}**. Your instructor sees each step you take.",
               icon=":material/school:")
    link("pages/poison.py", label="Begin: 1. Poison the data", icon=":material/science:")
    st.button("Leave this class", icon=":material/logout:", on_click=leave_class,
              help="For a shared computer, or the wrong class: this browser forgets the class and you go on "
                   "alone. What you did so far stays on your instructor's screen.")
    st.stop()
if st.session_state.get(LEFT):
    st.info("You left the class: this browser no longer keeps it. Join again below, or carry on alone from "
            "**Start here**.", icon=":material/logout:")

st.markdown("Your instructor gave you a link or a 6-character class code. Pick a nickname: the lab asks for "
            "nothing else, and your nickname is all your instructor sees.")
with st.form("join"):
    code = st.text_input("Class code", value=st.query_params.get("class", ""), max_chars=12,
                         placeholder="e.g. K7P2QX")
    nickname = st.text_input("Nickname", placeholder="not your full name",
                             help=f"At most {MAX_NICKNAME} characters, unique in your class.")
    joined = st.form_submit_button("Join", type="primary", icon=":material/login:")
if joined:
    try:
        new_member, token = join_class(db, code, nickname)
        info = find_class(db, new_member.code)
    except ClassroomError as error:
        st.error(str(error), icon=":material/error:")
        st.stop()
    except ClassroomUnavailable as error:
        st.error(f"{error} Try again in a moment.", icon=":material/cloud_off:")
        st.stop()
    st.session_state[MEMBER], st.session_state[TOKEN] = new_member, token
    st.session_state.pop(LEFT, None)
    if info.preset in PRESETS:  # everyone starts from the class's configuration, at the class's seed
        apply_preset(info.preset)
        st.session_state["lab.seed"] = info.seed
    st.query_params.update({"class": new_member.code, "student": token})
    st.rerun()
