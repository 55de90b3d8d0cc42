"""What this session has done with defenses: each one's outcome per model, and retrained models."""

from __future__ import annotations

import hashlib

import streamlit as st

from backdoor.defenses.lab import Lab
from backdoor.defenses.registry import DEFENSES
from backdoor.metrics import only_guesses
from backdoor.outcomes import STOPPED, Outcome
from backdoor.reference import TOOK_HOLD
from ui.classroom import member, record_event


def _model_key(lab: Lab) -> str:
    return hashlib.sha256(lab.model_id.encode()).hexdigest()[:16]


def retrained_for(lab: Lab, name: str) -> Outcome | None:
    """The outcome after retraining without this inspection's flags, for this very model (so changing
    the settings never shows another model's retraining)."""
    return st.session_state.get(f"{name}.retrained.{_model_key(lab)}")


def keep_retrained(lab: Lab, name: str, outcome: Outcome) -> None:
    st.session_state[f"{name}.retrained.{_model_key(lab)}"] = outcome


def repaired_run(lab: Lab, name: str, outcome: Outcome) -> Outcome | None:
    """The run that produced a new model: the defense's own repair, or the retraining after an
    inspection (None for defenses that only inspect or screen, and before the retraining)."""
    run = retrained_for(lab, name) if outcome.flags is not None else outcome
    return run if run is not None and run.model is not None else None


def record_outcome(lab: Lab, name: str, outcome: Outcome) -> None:
    """Add (or replace) this defense's row in the session's summary (nothing for a study that repairs nothing)."""
    if outcome.note is not None:
        st.session_state.setdefault("defend.summary", {})[(lab.model_id, name)] = outcome
    if outcome.after is not None and member() is not None:  # in a class: which defense stopped which attack
        # stopped only if the attack had taken hold first (as ``Matrix.stopped``): a defense run on a model the
        # attack never worked on (a rate of 0, too few epochs) stops nothing, nor one run on a model that learnt
        # nothing (its "attack success" is a model answering one class for everything)
        measured = lab.evaluate(lab.model)
        before = measured.asr
        held = bool(before >= TOOK_HOLD) and not only_guesses(measured.clean_acc, lab.dataset.num_classes)
        record_event("defense", f"{_model_key(lab)}:{name}", {
            "defense": name, "attack": lab.scenario.attack, "took_hold": held,
            "caught": held and bool(outcome.after.asr <= STOPPED), "asr_before": round(float(before), 4),
            "asr_after": round(outcome.after.asr, 4), "clean_acc_after": round(outcome.after.clean_acc, 4)})


def outcomes_for(lab: Lab) -> list[Outcome]:
    """Every defense run on this model in this session, in registry order."""
    summary = st.session_state.get("defend.summary", {})
    return [summary[(lab.model_id, name)] for name in DEFENSES if (lab.model_id, name) in summary]
