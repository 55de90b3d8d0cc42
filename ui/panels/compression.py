"""The compression study's panel: does the backdoor survive 8-bit weights and pruning?"""

from __future__ import annotations

import streamlit as st

from backdoor.defenses.lab import Lab
from backdoor.outcomes import Outcome
from ui.words import percent


def draw(lab: Lab, outcome: Outcome, key: str) -> None:
    """Every compressed copy's clean accuracy and attack success."""
    result = outcome.result
    rows = [{"setting": r.setting, "weights zero": percent(r.sparsity), "clean accuracy": percent(r.clean_acc),
             "attack success": percent(r.asr)} for r in result.rows]
    st.dataframe(rows, hide_index=True)
    survived = [r for r in result.rows if r.asr > 0.5 and r.setting != "original"]
    st.markdown(
        f"The backdoor survived {len(survived)} of the {len(result.rows) - 1} compressed versions "
        "(attack success above 50%). Compression keeps what the model relies on, and it relies on the trigger."
    )
