"""Step 2: train a model on the poisoned data, and a clean baseline beside it."""

import hashlib

import streamlit as st

from backdoor.attacks import ATTACKS
from backdoor.datasets import DATASETS
from backdoor.kinds import labels, short_label
from backdoor.model_files import to_safetensors
from backdoor.metrics import Evaluation
from ui.calibration_view import calibration_section
from ui.classroom import record_event
from ui.charts import CHART_CONFIG, guessing_note, training_curves
from ui.glossary import glossary_link, quiz
from ui.instant import instant_section
from ui.lessons import show_lesson
from ui.page_figures import stealth_figures
from ui.readings import model_name, train_reading
from ui.resources import current_dataset, current_device
from ui.state import is_stakeholder
from ui.train_settings import training_settings
from ui.train_options import compare_training_options
from ui.training import (
    KINDS, cached_models, model_figures, offer_training, poisoned_or_stop, scenario_or_stop, training_estimate,
    training_took,
)
from ui.waiting import MEASURING, busy_note, here, live_estimate
from ui.words import count_of, share
from models import MODELS
from ui.menus import menu_title
from ui.routing import through_router
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title(menu_title("train", "2. Train the models"))
show_lesson("train")
glossary_link("baseline", "clean-accuracy", "attack-success-rate", "calibration")
dataset = current_dataset()
device = current_device()

if not is_stakeholder():
    training_settings()

scenario = scenario_or_stop()
poisoned = poisoned_or_stop(dataset, scenario)  # settings the data cannot satisfy: say so before offering to train
results = cached_models(dataset, scenario, device)
# the pre-trained grid's panel, when `make warm` made one: open until this page's own models are there
instant_section("train", dataset, scenario, expanded=len(results) < len(KINDS))

target_name = scenario.target_phrase(dataset.classes)
if is_stakeholder():
    tampered = share(round(scenario.poison.rate * len(dataset.y_train)), len(dataset.y_train))
    st.markdown(f"The model learns from {len(dataset.y_train):,} pictures; "
                + (f"the attacker tampered with {tampered} of them." if scenario.poison.rate > 0 else
                   "in these settings the attacker tampered with none of them.")
                + " A second model learns from the untouched pictures, for comparison.")
else:
    st.markdown(
        f"**Data:** {DATASETS[dataset.name].title}, {len(dataset.y_train):,} training images, "
        f"{scenario.poison.rate:.1%} poisoned with **{ATTACKS[scenario.attack].title}** (target: **{target_name}**). "
        f"**Model:** {MODELS[scenario.model].title}, {count_of(scenario.train.epochs, 'epoch')} on **{device.type}**."
    )

settings_id = repr((scenario, str(device)))
if len(results) < len(KINDS):
    def estimate():
        return training_estimate(dataset, scenario, device, [k for k in KINDS if k not in results])

    known = live_estimate(estimate, lambda known: (  # a fresh server may still be measuring: the page never waits
        "Two models will be trained with identical settings: one on the poisoned data, one on the clean data. "
        + (f"With these settings that takes {here(known)}." if known else f"{MEASURING.capitalize()}.")
        + busy_note()))
    offer_training(dataset, scenario, device, known or estimate,
                   on_done=lambda _: st.session_state.update({"train.fresh": settings_id}))
    st.stop()
if st.session_state.get("train.fresh") == settings_id:
    st.success("Both models are trained. Here is how they compare.", icon=":material/check_circle:")
else:
    st.success(
        "These exact settings were trained before (by you, or by someone else using this lab), so the models were "
        "reused instead of retrained.", icon=":material/history:"
    )

backdoored, baseline = results["backdoored"], results["baseline"]
names, ours = labels(scenario.poison.rate), short_label("backdoored", scenario.poison.rate)  # never "backdoored" at 0
# the headline figures, measured on the held-out test images exactly as every other page measures them
figures = model_figures(dataset, scenario, device, results)
bd, base = (Evaluation(**figures[kind]) for kind in ("backdoored", "baseline"))
if not is_stakeholder():  # stakeholders get the outcome in words, not the learning curves
    st.plotly_chart(
        training_curves({"backdoored": backdoored.history, "baseline": baseline.history},
                        scenario.train.epochs, dataset.num_classes, names),
        key="train.curves", config=CHART_CONFIG,
    )
    st.caption(
        "Curves per epoch. The clean baseline has no attack success curve: it never saw the trigger, "
        "so its rate is measured once, after training (below). "
        + guessing_note({"backdoored": backdoored.history}, dataset.num_classes)
    )

st.subheader("What you just saw")
c1, c2, c3, c4 = st.columns(4)
c1.metric(f"{ours}: clean accuracy", f"{bd.clean_acc:.1%}")
c2.metric("Baseline: clean accuracy", f"{base.clean_acc:.1%}")
c3.metric(f"{ours}: attack success", f"{bd.asr:.1%}")
c4.metric("Baseline: attack success", f"{base.asr:.1%}")
st.caption(f"Measured on {len(dataset.held_out[1]):,} held-out test images, the same ones every page of the lab uses.")
st.markdown(train_reading(bd, base, scenario.poison.rate, target_name, dataset.num_classes, poisoned.num_poisoned,
                          stealth_figures(dataset, scenario, device)["blank"]))
st.caption(training_took(results, device, names))
record_event("trained", hashlib.sha256(settings_id.encode()).hexdigest()[:24], {  # in a class: for the dashboard
    "attack": scenario.attack, "poison_rate": scenario.poison.rate, "target": scenario.poison.target,
    "clean_acc": round(bd.clean_acc, 4), "asr": round(bd.asr, 4), "baseline_clean_acc": round(base.clean_acc, 4),
    "classes": dataset.num_classes,  # a model only guessing (its clean accuracy near 1 / classes) is left off the plot
    "seconds": round(sum(r.seconds for r in results.values()), 1)})

if not is_stakeholder():
    st.download_button(
        f"Download the {model_name(scenario.poison.rate)} (.safetensors)", to_safetensors(backdoored.model),
        file_name=f"{ours.lower()}-{scenario.model}-{dataset.name}.safetensors", mime="application/octet-stream",
        key="train.download", icon=":material/download:",
        help="Weights only, no code. Audit it on the 'Audit a model file' page, or anywhere safetensors opens.")

st.subheader("Can you trust its confidence?")
calibration_section(dataset, scenario, results, device, plain=is_stakeholder())

if not is_stakeholder():
    with st.expander("Does augmentation or mixup stop the backdoor?"):
        compare_training_options(dataset, scenario, device)
quiz("train")
next_link("train")
