"""Backdoor Lab: the router and the frame every page shares (sidebar, navigation)."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from backdoor.attacks import ATTACKS
from backdoor.datasets import DATASETS, DEFAULT_DATASET
from backdoor.device import available_devices, resolve_device
from models import MODELS, models_for
from ui.class_cookie import browser_membership, claim_prompt, keep_in_browser
from ui.classroom import keep_membership_in_url, member, record_step, send_waiting, signed_in_class
from ui.friendly_errors import friendly_errors
from ui.menus import MENUS, TITLES, menu_title
from ui.running import running_badge
from backdoor.presets import scenario_title
from backdoor.timing import one_reading
from ui.state import SEED_RANGE, bind, current_scenario, init_settings, use_attack_defaults
from ui.style import lab_style, lab_scripts
from ui.heap import freeze_long_lived
from ui.page_figures import start_measuring_ahead
from ui.page_timing import timed
from ui.url_state import restore_from_url, show_unused, write_to_url, link
from ui.waiting import start_warm_up
from ui.words import plain

STARTED = time.perf_counter()  # this run's start (the imports above are loaded once per server), for ui/page_timing.py

# A favicon shipped with the app: a material-icon favicon is fetched from Google's servers,
# and nothing may leave the machine.
FAVICON = Path(__file__).resolve().parent / "ui" / "assets" / "favicon.png"
st.set_page_config(page_title="Backdoor Lab", page_icon=str(FAVICON), layout="wide")
lab_style()  # touch targets, focus rings, pictures on phones (ui/assets/lab.css)
lab_scripts()  # a tap on a page closes the phone menu; the main area's focus ring after keys (ui/assets/*.js)
init_settings()
restore_from_url()  # a reload or a shared link keeps every setting (ui/url_state.py)
browser_membership()  # an address typed without the class: this browser's cookie (ui/class_cookie.py)
start_warm_up()  # once per server, in the background: torch's slow first steps and this machine's timings
start_measuring_ahead()  # once per server, in the background: the stored presets' page figures


IMAGE_SETS = DATASETS.fitting("image")  # the story's pages are about pictures; patient records have their own
IMAGE_MODELS = models_for("image")  # not the patient records' MLP


def _on_dataset_change() -> None:
    # A new data set brings its own default model and a target that surely exists.
    name = st.session_state["lab.dataset"]
    st.session_state["lab.model"] = DATASETS[name].default_model
    st.session_state["poison.target"] = 0
    if not ATTACKS[st.session_state["poison.attack"]].fits(name):  # the sticker needs signs
        st.session_state["poison.attack"] = "badnets"
        use_attack_defaults()


def keep_image_dataset() -> None:
    """The story's pages need pictures: a link naming another kind of data set opens the default."""
    if st.session_state["lab.dataset"] not in IMAGE_SETS:
        st.session_state["lab.dataset"] = DEFAULT_DATASET
        _on_dataset_change()


def sidebar() -> None:
    with st.sidebar:
        st.header("Your lab")
        st.selectbox(
            "Data set",
            list(IMAGE_SETS),
            format_func=lambda n: DATASETS[n].title,
            **bind("lab.dataset", on_change=_on_dataset_change),
            help="The images the model learns from. The first two work offline.",
        )
        st.caption(DATASETS[st.session_state["lab.dataset"]].description)
        if st.session_state["lab.model"] not in IMAGE_MODELS:
            st.session_state["lab.model"] = DATASETS[st.session_state["lab.dataset"]].default_model
        st.selectbox(
            "Model",
            IMAGE_MODELS,
            format_func=lambda n: MODELS[n].title,
            **bind("lab.model"),
            help="The neural network that will be trained (and backdoored).",
        )
        devices = available_devices()
        if st.session_state["lab.device"] not in devices:
            st.session_state["lab.device"] = "auto"
        st.selectbox(
            "Compute on",
            devices,
            format_func=lambda d: f"auto ({resolve_device(d).type})" if d == "auto" else d,
            **bind("lab.device"),
            help="auto uses a GPU (CUDA or Apple MPS) when this computer has one, else the CPU.",
        )
        st.number_input(
            "Random seed", min_value=SEED_RANGE[0], max_value=SEED_RANGE[1], step=1, **bind("lab.seed"),
            help="Same seed, same data split, same poisoned images, same training: "
            "everyone in a class sees the same numbers.",
        )


PAGES = {
    # served at the root; a default page still reserves a name, and "start" is the alias's below
    "start": st.Page("pages/start.py", title=TITLES["start"], icon=":material/flag:", default=True,
                     url_path="start-page"),
    "poison": st.Page("pages/poison.py", title=TITLES["poison"], icon=":material/science:"),
    "train": st.Page("pages/train.py", title=TITLES["train"], icon=":material/model_training:"),
    "trigger": st.Page("pages/trigger.py", title=TITLES["trigger"], icon=":material/target:"),
    "explain": st.Page("pages/explain.py", title=TITLES["explain"], icon=":material/visibility:"),
    "defend": st.Page("pages/defend.py", title=TITLES["defend"], icon=":material/shield:"),
    "matrix": st.Page("pages/matrix.py", title=TITLES["matrix"], icon=":material/grid_on:"),
    "audit": st.Page("pages/audit.py", title=TITLES["audit"], icon=":material/upload_file:"),
    "govern": st.Page("pages/govern.py", title=TITLES["govern"], icon=":material/policy:"),
    "drill": st.Page("pages/drill.py", title=TITLES["drill"], icon=":material/emergency:"),
    "tabular": st.Page("pages/tabular.py", title=TITLES["tabular"], icon=":material/table_chart:"),
    "brief": st.Page("pages/brief.py", title=TITLES["brief"], icon=":material/print:"),
    "classroom": st.Page("pages/classroom.py", title=TITLES["classroom"], icon=":material/school:"),
    "mystery": st.Page("pages/mystery.py", title=TITLES["mystery"], icon=":material/help:"),
    "glossary": st.Page("pages/glossary.py", title=TITLES["glossary"], icon=":material/menu_book:"),
    "join": st.Page("pages/join.py", title=TITLES["join"], icon=":material/group_add:"),
    "redblue": st.Page("pages/redblue.py", title=TITLES["redblue"], icon=":material/swords:"),
}


# Typed by hand, /start finds the Start page (Streamlit would say "Page not found" and then show it anyway), and
# /Poison or /TRAIN their page: Streamlit matches an address letter for letter. Each alias only switches to its page.
ALIASES = {st.Page(lambda: None, title=TITLES[name], url_path=path, visibility="hidden"): PAGES[name]
           for name in PAGES for path in dict.fromkeys((name, name.capitalize(), name.upper()))
           if path != PAGES[name].url_path}


def menu() -> None:
    with st.sidebar:
        me = member()
        audiences = list(MENUS)
        if me is not None and signed_in_class() is None:  # in a class, instructor mode takes the class PIN
            audiences.remove("Instructor")
            if st.session_state["lab.audience"] == "Instructor":
                st.session_state["lab.audience"] = "Student"
        st.radio("Who is using the lab?", audiences, horizontal=True, **bind("lab.audience"),
                 help="Student: every control. Stakeholder: no jargon, presets instead of controls. "
                      "Instructor: classroom tools and expected timings.")
        for name in MENUS[st.session_state["lab.audience"]]:
            link(PAGES[name], label=menu_title(name, PAGES[name].title))
        if me is not None:
            st.caption(f"Class **{me.code}**, as **{plain(me.nickname)}**: your instructor sees your steps.")


RECORDS = "a tampered lab pattern flips a diagnosis (569 patient records)"


def name_the_scenario(page_key: str) -> None:
    """Every page says which scenario its figures belong to (the records page has its own)."""
    if page_key == "tabular":
        name = RECORDS
    else:
        try:
            name = scenario_title(current_scenario())
        except ValueError:
            return  # impossible settings: the page itself says what is wrong
    st.caption(f"Scenario: **{name}**", help="Every figure on this page belongs to this scenario. "
               "Pick another on the Start page.")


page = st.navigation([*PAGES.values(), *ALIASES], position="hidden")
if page in ALIASES:
    st.switch_page(ALIASES[page], query_params=st.query_params.to_dict())  # the same settings, the same page
with timed(page.url_path or "start", STARTED), friendly_errors(page.title, home=PAGES["start"]):
    # (friendly_errors: a crash shows a note and a way back, never a traceback)
    keep_image_dataset()
    write_to_url()
    keep_membership_in_url()
    keep_in_browser()  # once the student is known, their browser keeps the class in a cookie
    send_waiting()  # steps kept while the class database was away go now, in order
    record_step(page.url_path or "start", page.title)  # in a class: where each student is
    menu()
    if st.session_state["lab.audience"] != "Stakeholder":
        sidebar()
    name_the_scenario(page.url_path)
    claim_prompt()  # a student's link opened in another browser: is this them?
    show_unused()  # a link's settings the lab could not use: which, why, and what it uses instead
    running_badge()  # the minimal toolbar hides Streamlit's own running indicator
    with one_reading():  # a job's time quoted twice on a page reads the same twice (backdoor/timing.py)
        page.run()
freeze_long_lived()  # after a page has loaded what it needs: full collections stop walking it (ui/heap.py)
