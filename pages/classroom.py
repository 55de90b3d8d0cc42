"""Instructor's tools: the class (create or sign in, its link and QR code, the live dashboard), the
workshop kit, presets with expected figures and timings, and the warm-up."""

import streamlit as st

from ui.class_admin import class_header, sign_in_or_create
from ui.dashboard import live_dashboard
from ui.handout import answer_key, handout_button
from ui.lessons import show_lesson
from ui.presets_view import preset_cards
from ui.resources import current_device
from ui.routing import through_router
from ui.session_timings import preparation_section

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title("Classroom tools")
st.markdown(
    "Everything an instructor needs before and during a session: scenarios that set every control in one click, "
    "what each should show, how long each step takes on this server (measured here), and whether the models are "
    "already prepared so the demo starts instantly."
)
device = current_device()

st.header("Your class")
info = sign_in_or_create()
if info is not None:
    class_header(info)
    live_dashboard(info)
    with st.expander("The workshop kit: a 90-minute plan, prompts, the answer key, the handout"):
        show_lesson("workshop")
        answer_key()
        handout_button(info)

st.header("Preparing any session")
st.subheader("Before the class: warm up")
st.code("make warm        # or: python -m backdoor.prepare", language="bash", wrap_lines=True)
preparation_section(device)

st.subheader("Presets")
preset_cards()
