"""Step 4: attribution maps show where each model looks, and why the trigger wins."""

import streamlit as st
import torch

from backdoor.datasets import objects_at
from backdoor.explain import METHODS, methods_for
from backdoor.kinds import labels
from ui.explain import explained_image, method_caption, one_image_reading, triggered_share
from ui.classroom import member_class
from ui.glossary import glossary_link, quiz
from ui.redblue import POOL_PICK, explain_pool_model
from ui.lessons import show_lesson
from ui.resources import current_dataset, current_device
from ui.state import bind
from ui.readings import model_name
from ui.training import scenario_or_stop, trained_or_stop, warn_if_learnt_nothing
from ui.words import article, whole_percent
from ui.routing import through_router
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title("4. Explain the predictions")
show_lesson("explain")
glossary_link("saliency", "trigger-share")
pool_pick, in_class = st.session_state.get(POOL_PICK), member_class()
if pool_pick is not None and in_class is not None and pool_pick[0] == in_class.code:  # blue, judging the pool
    left, right = st.columns([3, 1])
    left.success(f"Explaining **{pool_pick[3]}** from your class's red-vs-blue pool: where does it look?",
                 icon=":material/shield:")
    if right.button("Back to my own models", key="btn.explain.unpool", icon=":material/undo:"):
        st.session_state.pop(POOL_PICK)
        st.rerun()
    st.session_state.setdefault("explain.method", "integrated_gradients")
    method = st.selectbox("Attribution method", list(methods_for("image")), format_func=lambda m: METHODS[m].title,
                          **bind("explain.method"))
    explain_pool_model(in_class, pool_pick, method)
    st.stop()
dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()
models, ids = trained_or_stop(dataset, scenario, device)
warn_if_learnt_nothing(dataset, scenario, device, models)
x_eval, y_eval = dataset.held_out  # the held-out test images every figure is measured on
others = torch.nonzero(scenario.attackable(y_eval)).flatten()
target_name = scenario.target_phrase(dataset.classes)
where = scenario.trigger.footprint_label
names = labels(scenario.poison.rate)  # nothing poisoned: no "backdoored" model
st.session_state.setdefault("explain.method", "integrated_gradients")
st.session_state.setdefault("explain.image", 1)


@st.fragment
def explain_grid() -> None:
    c1, c2 = st.columns([2, 3])
    method = c1.selectbox("Attribution method", list(methods_for("image")), format_func=lambda m: METHODS[m].title,
                          **bind("explain.method"))
    c1.markdown(method_caption(method))  # a link is too faint in a caption
    pick = c2.slider("Test image", 1, len(others), **bind("explain.image"),
                     help=f"One of the {len(others):,} held-out test images the attack aims at.")
    index = int(others[pick - 1])
    clean, objects = x_eval[index : index + 1], objects_at(dataset.held_out_objects, slice(index, index + 1))
    triggered = scenario.stamp(clean, objects)
    c2.caption(f"Image {pick} of {len(others):,}, really {article(dataset.classes[int(y_eval[index])])}.")
    shares = {}
    with st.spinner(f"Computing {METHODS[method].title} maps..."):
        # Each model's name heads its own row, so on a phone the two maps share the whole width
        for kind, label in names.items():
            st.markdown(f"**{label}**")
            row = st.columns(2)
            for col, (variant, image) in zip(row, (("clean", clean), ("triggered", triggered))):
                col.caption("Clean image" if variant == "clean" else "With the trigger")
                seen = explained_image(col, ids[kind], models[kind].model, image,
                                       f"{dataset.name}:{index}:{variant}:{scenario.trigger!r}", scenario, device,
                                       method, width=240, objects=objects)
                shares[(kind, variant)] = seen
                col.markdown(f"says **'{dataset.classes[seen['label']]}'** ({whole_percent(seen['prob'])}) · "
                             f"{whole_percent(seen['share'])} of attention on the trigger area")
    bd, base = shares[("backdoored", "triggered")], shares[("baseline", "triggered")]
    share, lift, k, p = bd["share"], bd["lift"], bd["label"], bd["prob"]
    base_share, base_lift = base["share"], base["lift"]
    st.subheader("What you just saw")
    st.info(
        one_image_reading(dataset.classes[k], p, share, lift, base_share, base_lift, where,
                          model_name(scenario.poison.rate)),
        icon=":material/lightbulb:",
    )
    with st.spinner("Measuring over 32 triggered test images..."):
        rows = []
        for kind, label in names.items():
            s, l = triggered_share(ids[kind], models[kind].model, dataset, scenario, method)
            rows.append({"model": label, "attribution on the trigger area": whole_percent(s), "lift (1 = no special attention)": f"{l:.1f}x"})
    st.markdown(f"**Over 32 triggered test images** ({METHODS[method].title}, each explained for the class the model chose):")
    st.dataframe(rows, hide_index=True)


explain_grid()
st.caption("Bright, warm colours mark the pixels that mattered most for the model's answer; grey areas mattered little.")
quiz("explain")
next_link("explain")
