"""Instructor's tools: presets with expected figures and timings, and the warm-up."""

import streamlit as st

from backdoor.presets import PRESETS
from backdoor.store import model_hash, store_dir
from ui.presets_view import preset_cards

st.title("Classroom tools")
st.markdown(
    "Everything an instructor needs before and during a session: scenarios that set every control in one click, "
    "what each should show, how long each step takes on a 2-core laptop, and whether the models are already "
    "prepared so the demo starts instantly."
)

st.subheader("Before the class: warm up")
st.code("make warm        # or: python -m backdoor.prepare", language="bash")
folder = store_dir()
rows = []
for preset in PRESETS.values():
    ready = all((folder / f"{model_hash(preset.scenario, kind)}.pt").exists() for kind in ("backdoored", "baseline"))
    rows.append({"preset": preset.title, "expected attack success": f"{preset.expected_asr:.0%}",
                 "expected clean accuracy": f"{preset.expected_clean_acc:.1%}",
                 "training both models": f"about {preset.train_seconds:.0f} s",
                 "prepared": "ready, opens instantly" if ready else "not yet: run make warm"})
st.table(rows)
ready_count = sum(r["prepared"].startswith("ready") for r in rows)
st.caption(f"{ready_count} of {len(rows)} presets are prepared in `{folder}`. Warming all of them trains 12 models "
           "(about 1.5 minutes on a 2-core laptop). Set BACKDOOR_LAB_STORE to share one folder between servers.")

st.subheader("Expected timings during the session (2-core laptop CPU)")
st.table([
    {"step": "Train both models (default digits)", "time": "about 15 s; instant for a prepared preset or a repeat"},
    {"step": "Poison-rate sweep (Poison page)", "time": "about 1 minute (7 models)"},
    {"step": "Compare augmentation and mixup (Train page)", "time": "about 30 s (3 models)"},
    {"step": "Neural Cleanse with unlearning (Defend page)", "time": "about 17 s"},
    {"step": "Other defenses", "time": "1-5 s each, plus about 9 s to retrain after a data defense"},
    {"step": "Attack x defense matrix", "time": "about 3.5 minutes the first time, instant afterwards"},
])

st.subheader("Presets")
preset_cards()
