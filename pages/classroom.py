"""Instructor's tools: the class (create or sign in, its link and QR code, the live dashboard), the
workshop kit, presets with expected figures and timings, and the warm-up."""

import streamlit as st

from backdoor import estimates
from backdoor.defenses.registry import DEFENSES
from backdoor.matrix import MatrixConfig
from backdoor.matrix import estimate as matrix_estimate
from backdoor.prepare import to_train
from backdoor.presets import PRESETS
from backdoor.scenario import Scenario
from backdoor.store import store_dir
from backdoor.sweep import sweep_counts
from ui.class_admin import class_header, sign_in_or_create
from ui.dashboard import live_dashboard
from ui.handout import answer_key, handout_button
from ui.lessons import show_lesson
from ui.presets_view import preset_cards, preset_timing
from ui.resources import current_device
from ui.routing import through_router
from backdoor.train_options import OPTIONS, variant
from ui.waiting import busy_note, here, preset_shape
from ui.words import percent

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
folder = store_dir()
with st.spinner("Timing this server..."):
    timings = {preset.name: preset_timing(preset, device) for preset in PRESETS.values()}
rows = [{"preset": preset.title, "expected attack success": percent(preset.expected_asr),
         "expected clean accuracy": percent(preset.expected_clean_acc),
         "prepared": ("ready, opens instantly" if timings[preset.name].startswith("ready")
                      else f"not yet: {timings[preset.name]}")} for preset in PRESETS.values()]
st.table(rows)
ready_count = sum(r["prepared"].startswith("ready") for r in rows)
todo = to_train()
shapes = {p.scenario.dataset: preset_shape(p.scenario) for p, _ in todo}
if not todo:
    warming = "Nothing is left to warm."
elif all(shapes.values()):
    # the same per-model estimates the table above shows, so the whole is never less than one of its parts
    warm_seconds = sum(estimates.train_models(shapes[p.scenario.dataset], p.scenario, device, [kind]).seconds
                       for p, kind in todo)
    warming = (f"Warming the rest trains {len(todo)} models, "
               f"{here(estimates.Estimate.of('warm', tuple(todo), warm_seconds))}.")
else:
    warming = f"Warming the rest trains {len(todo)} models (their time is still being measured on this server)."
st.caption(f"{ready_count} of {len(rows)} presets are prepared in `{folder}`. {warming} "
           "Set BACKDOOR_LAB_STORE to share one folder between servers.")

st.subheader("Expected timings during the session (measured on this server)")
digits = Scenario()
shape = preset_shape(digits)
with st.spinner("Timing this server..."):
    eligible = int(shape.moved(shape.train, digits.target))
    counts = sweep_counts(shape.train, eligible)
    options = [variant(digits, name) for name in OPTIONS if name != "none"]
    retrain = estimates.retrain_seconds(shape, digits, device)
    table = [
        {"step": "Train both models (default digits)",
         "time": f"{here(estimates.train_models(shape, digits, device))}; instant for a prepared preset or a repeat"},
        {"step": f"Poison-rate sweep (Poison page, {len(counts)} models)",
         "time": here(estimates.sweep(shape, digits, counts, device))},
        {"step": f"Compare augmentation and mixup (Train page, {len(options)} models)",
         "time": here(estimates.trainings(shape, options, device, measure_asr=True))},
        {"step": "Neural Cleanse with unlearning (Defend page)",
         "time": here(DEFENSES["neural_cleanse"].estimate_job(shape, digits, device))},
    ]
    for name, defense in DEFENSES.fitting("image").items():
        if name == "neural_cleanse" or not defense.repairs:
            continue
        retraining = (f", plus {estimates.about(retrain)} to retrain without the flagged images"
                      if defense.needs_training_data else "")
        table.append({"step": f"{defense.title} (Defend page)",
                      "time": here(defense.estimate_job(shape, digits, device)) + retraining})
    table.append({"step": "Attack x defense matrix (digits)",
                  "time": f"{here(matrix_estimate(shape, MatrixConfig(), device))} the first time, instant afterwards"})
st.table(table)
st.caption("Each time is this server's own: a few steps of each job's real code were timed here and scaled to the "
           "job's size, or the same job was timed when it last ran alone." + busy_note())

st.subheader("Presets")
preset_cards()
