"""Each defense's result panel on the Defend and Audit pages.

A defense that wants its own panel puts ``draw(lab, outcome, key)`` in ``ui/panels/<defense>.py``;
any data inspection (an outcome with flags) gets ``inspection.draw``; every other defense gets
``generic``: its figures after the repair, and what it found.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

import streamlit as st

from backdoor.defenses.lab import Lab
from backdoor.outcomes import Outcome
from ui.words import metric_delta


def generic(lab: Lab, outcome: Outcome, key: str) -> None:
    """Any defense without a panel of its own: the figures after it, and its sentence."""
    if outcome.after is not None:
        before = lab.evaluate(lab.model)
        c1, c2 = st.columns(2)
        c1.metric("Clean accuracy after", f"{outcome.after.clean_acc:.1%}",
                  **metric_delta(before.clean_acc, outcome.after.clean_acc))
        c2.metric("Attack success after", f"{outcome.after.asr:.1%}",
                  **metric_delta(before.asr, outcome.after.asr, higher_is_better=False, words=("higher", "lower")))
        st.caption(f"Measured {outcome.note or 'after it'}, on the {len(lab.held_out[1]):,} held-out test images.")
    if outcome.detail:
        st.markdown(f"It {outcome.detail}. Took {outcome.seconds:.1f} s.")


def draw(lab: Lab, outcome: Outcome, name: str) -> None:
    """The defense's own panel when it has one, else the inspection panel or the generic one."""
    module = f"ui.panels.{name}"
    if find_spec(module) is not None:
        import_module(module).draw(lab, outcome, name)
    elif outcome.flags is not None:
        import_module("ui.panels.inspection").draw(lab, outcome, name)
    else:
        generic(lab, outcome, name)
