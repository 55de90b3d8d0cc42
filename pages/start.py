"""The landing page: what a backdoor is and the path through the lab."""

import streamlit as st

from backdoor.data import DATASETS
from ui.lessons import show_lesson

st.title("Backdoor Lab")
st.markdown("Learn by doing how a hidden **backdoor** gets into a neural network, and why ordinary testing misses it.")
show_lesson("start")

st.subheader("Your path")
c1, c2, c3 = st.columns(3)
with c1.container(border=True):
    st.markdown("**1. Poison the data**  \nStamp a trigger on a few training images and relabel them.")
    st.page_link("pages/poison.py", label="Poison", icon=":material/science:")
with c2.container(border=True):
    st.markdown("**2. Train the models**  \nTrain a backdoored model and a clean one, live, and compare.")
    st.page_link("pages/train.py", label="Train", icon=":material/model_training:")
with c3.container(border=True):
    st.markdown("**3. Fire the trigger**  \nShow the trigger to both models and watch one of them obey.")
    st.page_link("pages/trigger.py", label="Trigger", icon=":material/target:")

dataset = DATASETS[st.session_state["lab.dataset"]]
st.caption(
    f"Current data set: **{dataset.title}**. Change it (and the model and device) in the sidebar. "
    "Everything runs on this computer; the default settings need no internet and train in seconds."
)
