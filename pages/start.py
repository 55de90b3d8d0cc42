"""The landing page: what a backdoor is and the path through the lab."""

import streamlit as st

from backdoor.datasets import DATASETS
from ui.lessons import show_lesson
from ui.presets_view import preset_cards
from ui.menus import MENUS, STAKEHOLDER_TITLES
from ui.state import is_stakeholder
from ui.routing import through_router
from ui.url_state import link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title("Backdoor Lab")
st.markdown("Learn by doing how a hidden **backdoor** gets into a neural network, and why ordinary testing misses it.")
show_lesson("start")
if not is_stakeholder():
    st.markdown("In this lab you will be the attacker first, then (in later steps) the defender.")

def records_card() -> None:
    """The scenario on a table of patient records, beside the picture presets."""
    with st.container(border=True):
        st.markdown("**A tampered lab pattern flips a diagnosis**  \nThe same backdoor in 569 real patient records "
                    "instead of pictures: a few tampered measurements make a diagnosis model call a cancer benign, "
                    "while every ordinary test still passes. Trains in about a second.")
        link("pages/tabular.py", label="Open the patient records", icon=":material/table_chart:")


if is_stakeholder():
    st.subheader("For decision makers")
    st.markdown("No settings to learn. The path, in the order of the menu: see a backdoor planted and fired, "
                "which defenses catch it and what each costs, the controls with their owners and the rules that "
                "apply in your sector, then play an incident and take a two-page brief to your board.")
    path = [n for n in MENUS["Stakeholder"] if n != "start" and STAKEHOLDER_TITLES.get(n, "")[:1].isdigit()]
    columns = st.columns(2)
    for i, name in enumerate(path):
        link(f"pages/{name}.py", label=STAKEHOLDER_TITLES[name], icon=":material/arrow_forward:",
             where=columns[i * 2 // len(path)])
    st.subheader("Pick a scenario")
    preset_cards()
    records_card()
    st.stop()

st.subheader("Your path")
steps = [
    ("1. Poison the data", "Stamp a trigger on a few training images and relabel them.", "pages/poison.py",
     ":material/science:"),
    ("2. Train the models", "Train a backdoored model and a clean one, live, and compare.", "pages/train.py",
     ":material/model_training:"),
    ("3. Fire the trigger", "Show the trigger to both models and watch one of them obey.", "pages/trigger.py",
     ":material/target:"),
    ("4. Explain", "See where each model looks, and why the trigger wins.", "pages/explain.py",
     ":material/visibility:"),
    ("5. Defend", "Run published defenses: what each catches, what it costs, when it fails.", "pages/defend.py",
     ":material/shield:"),
    ("6. The matrix", "Every attack against every defense: no single defense stops them all.", "pages/matrix.py",
     ":material/grid_on:"),
    ("7. Govern", "The risk brief: what it means for an organisation, and the controls.", "pages/govern.py",
     ":material/policy:"),
]
# Four to a line, fewer on a narrow page (ui/assets/lab.css): seven in one row left about 100 px each on a
# laptop, and even four broke words mid-letter with the menu open ("backdoore d")
path_cards = st.container(horizontal=True, key="path-cards")
for i, (title, text, page, icon) in enumerate(steps):
    with path_cards.container(border=True, key=f"path-card-{i}"):
        st.markdown(f"**{title}**  \n{text}")
        link(page, label="Go", icon=icon)

st.subheader("Or start from a classroom preset")
st.caption("One click sets the data, the attack and the training on every page.")
preset_cards()
st.caption("Beyond pictures:")
records_card()

dataset = DATASETS[st.session_state["lab.dataset"]]
st.caption(
    f"Current data set: **{dataset.title}**. Change it (and the model and device) in the sidebar. "
    "Everything runs on this computer; the default settings need no internet and train in seconds."
)
