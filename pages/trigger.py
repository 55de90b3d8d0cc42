"""Step 3: stamp the trigger on test images and watch the backdoored model obey it."""

import streamlit as st
import torch

from backdoor.attacks import ATTACKS
from backdoor.datasets import objects_at
from backdoor.kinds import labels, short_label
from backdoor.metrics import confusion_matrix, predict_proba
from ui.alt_text import picture_alt
from ui.charts import CHART_CONFIG, confusion_heatmap, probability_bars, to_display
from ui.glossary import glossary_link, quiz
from ui.lessons import show_lesson
from ui.explain import explained_image
from ui.own_drawing import own_drawing
from ui.own_picture import own_picture
from ui.resources import current_dataset, current_device
from ui.state import bind
from ui.page_figures import trigger_figures
from ui.training import KINDS, scenario_or_stop, trained_or_stop, warn_if_learnt_nothing
from ui.readings import model_name, trigger_reading
from ui.words import article, whole_percent
from ui.menus import menu_title
from ui.routing import through_router
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title(menu_title("trigger", "3. Fire the trigger"))
show_lesson("trigger")
glossary_link("trigger", "attack-success-rate", "target-class")
dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()
models, ids = trained_or_stop(dataset, scenario, device)
warn_if_learnt_nothing(dataset, scenario, device, models)

target_name = scenario.target_phrase(dataset.classes)
x_eval, y_eval = dataset.held_out  # the held-out test images every headline figure is measured on
others = torch.nonzero(scenario.attackable(y_eval)).flatten()
goals = scenario.goal(y_eval, dataset.num_classes)
st.session_state.setdefault("trigger.draw", 0)
names = labels(scenario.poison.rate)  # nothing poisoned: no "backdoored" model
ours = names["backdoored"]


@st.fragment
def image_gallery() -> None:
    row = st.container(horizontal=True, vertical_alignment="center")  # the caption wraps below on a narrow page
    if row.button("Show other images", key="btn.trigger.shuffle"):
        st.session_state["trigger.draw"] += 1
    none_of = "" if scenario.all_to_all else f", none of them {article(dataset.classes[scenario.target])}"
    row.caption(f"Test images the models never saw{none_of}. Flip the switch under each one.")
    gen = torch.Generator().manual_seed(st.session_state["trigger.draw"])
    picks = others[torch.randperm(len(others), generator=gen)[:6]].tolist()
    cols = st.columns(len(picks))
    shown = []
    for col, i in zip(cols, picks):
        st.session_state.setdefault(f"trigger.on.{i}", False)
        on = col.toggle("Trigger", **bind(f"trigger.on.{i}"))
        image, objects = x_eval[i : i + 1], objects_at(dataset.held_out_objects, slice(i, i + 1))
        shown.append((i, on, scenario.stamp(image, objects) if on else image, objects))
    # every picture through each model in one batch (a busy server answers one pass faster than six)
    batch = torch.cat([image for _, _, image, _ in shown])
    probabilities = {kind: predict_proba(models[kind].model, batch, device) for kind in KINDS}
    for n, (col, (i, on, image, objects)) in enumerate(zip(cols, shown)):
        col.image(to_display(image[0]), width="stretch",
                  alt=picture_alt(dataset.classes[int(y_eval[i])], ATTACKS[scenario.attack].title if on else None,
                                  what="test picture"))
        for kind, label in names.items():
            probs = probabilities[kind][n]
            k = int(probs.argmax())
            hijacked = on and k == int(goals[i]) and kind == "backdoored"
            verdict = f"**{label.split()[0]}** says '{dataset.classes[k]}' ({whole_percent(probs[k])})"
            col.markdown(f":red-background[{verdict}] :material/warning:" if hijacked else verdict)
        col.caption(f"really {article(dataset.classes[int(y_eval[i])])}")
        st.session_state.setdefault(f"trigger.explain.{i}", False)
        if col.toggle("Explain this", **bind(f"trigger.explain.{i}"),
                      help=f"Where the {model_name(scenario.poison.rate)} looked (Integrated Gradients)."):
            seen = explained_image(col, ids["backdoored"], models["backdoored"].model, image,
                                   f"{dataset.name}:{i}:{on}:{scenario.trigger!r}", scenario, device,
                                   objects=objects)
            col.caption(f"{ours}'s attention: {whole_percent(seen['share'])} on the trigger area.")
    choice = st.selectbox(
        "Class probabilities for image", range(len(shown)), format_func=lambda j: f"image {j + 1}",
        key="trigger.detail",
    )
    probs = {kind: probabilities[kind][choice] for kind in KINDS}
    on = shown[choice][1]
    st.plotly_chart(probability_bars(probs, dataset.classes, names), key="trigger.bars", config=CHART_CONFIG)
    state = "with the trigger" if on else "without the trigger"
    st.caption(f"How sure each model is about image {choice + 1} ({state}), class by class.")


image_gallery()

with st.expander("Try the trigger on your own picture", icon=":material/upload:"):
    own_picture(dataset, scenario, models, device)
with st.expander("Draw your own digit and try the trigger on it", icon=":material/draw:"):
    own_drawing(dataset, scenario, models, device)

st.subheader("Every test image, with and without the trigger")
counts = trigger_figures(dataset, scenario, models, device)
left, right = st.columns(2)
left.plotly_chart(
    confusion_heatmap(confusion_matrix(y_eval, counts.clean_pred, dataset.num_classes), dataset.classes,
                      f"{ours}, clean images"), key="trigger.cm.clean", config=CHART_CONFIG)
right.plotly_chart(
    confusion_heatmap(confusion_matrix(y_eval, counts.triggered_pred, dataset.num_classes), dataset.classes,
                      f"{ours}, triggered images"), key="trigger.cm.trig", config=CHART_CONFIG)
st.subheader("What you just saw")
c1, c2 = st.columns(2)
short = short_label("backdoored", scenario.poison.rate)  # "Backdoored", or "Unpoisoned" at a rate of 0
c1.metric(f"{short}: clean accuracy", f"{counts.clean_acc:.1%}")
c2.metric(f"{short}: attack success", f"{counts.asr:.1%}")
st.caption(f"The same {len(y_eval):,} held-out test images, and the same figures, as on the Train page.")
st.markdown(trigger_reading(counts.correct, counts.images, counts.sent, counts.attackable, target_name,
                            scenario.all_to_all, scenario.poison.rate, counts.kept))
quiz("trigger")
next_link("trigger")
