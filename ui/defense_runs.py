"""Running the chosen defenses with progress, and drawing their result panels.

The Defend page (the lab's own model) and the Audit page (an uploaded model) share this.
"""

from __future__ import annotations

import time

import streamlit as st

from backdoor.defenses.registry import DEFENSES
from backdoor.defenses.runs import RUNNERS, Lab, outcome
from backdoor.train import TrainingDiverged
from ui.defense_panels import PANELS, attention_before_after, record_outcome


def run_defenses(lab: Lab, chosen: list[str], settings: dict, results: dict) -> None:
    """Run each chosen defense with a progress bar; store its result in ``results``."""
    for name in chosen:
        bar = st.progress(0.0, text=f"{DEFENSES[name].title}: starting...")

        def report(done, total, info, name=name, bar=bar):
            bar.progress(min(done / max(total, 1), 1.0), text=f"{DEFENSES[name].title}: {info}")

        start = time.perf_counter()
        try:
            result, after = RUNNERS[name](lab, settings, report)
        except (ValueError, TrainingDiverged) as error:
            bar.empty()
            st.error(f"{DEFENSES[name].title} could not run: {error}")
            continue
        seconds = time.perf_counter() - start
        results[(lab.model_id, name)] = result
        record_outcome(lab, name, outcome(lab, name, result, after, seconds))
        bar.empty()


def show_results(lab: Lab, results: dict) -> None:
    """Each defense's panel, for every defense run on this model, in registry order."""
    for name in DEFENSES:
        result = results.get((lab.model_id, name))
        if result is None:
            continue
        spec = DEFENSES[name]
        with st.container(border=True):
            st.subheader(spec.title)
            st.caption(f"Runs {spec.stage}. [Paper]({spec.paper})")
            st.markdown(f"**What it looks at:** {spec.looks_at}")
            PANELS[name](lab, result, name)
            attention_before_after(lab, name, result)
            st.markdown(f"**When it fails:** {spec.fails_when}")
