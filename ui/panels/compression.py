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
    st.markdown(compression_reading(result.rows))


def compression_reading(rows) -> str:
    """Did the backdoor survive compression? Only a backdoor that worked before can survive it."""
    original = next(r for r in rows if r.setting == "original")
    compressed = [r for r in rows if r.setting != "original"]
    if original.asr <= 0.5:
        return (f"The original model has no working backdoor to keep (attack success {percent(original.asr)}), so "
                "there is nothing for compression to remove.")
    survived = [r for r in compressed if r.asr > 0.5]
    read = (f"The backdoor survived {len(survived)} of the {len(compressed)} compressed versions (attack success above "
            "50%).")
    if len(survived) == len(compressed):
        return f"{read} Compression keeps what the model relies on, and it relies on the trigger."
    if not survived:
        return f"{read} Here compression broke the trigger's hold; check what it cost in clean accuracy too."
    return (f"{read} The other {len(compressed) - len(survived)} broke it; check what they cost in clean accuracy "
            "too.")
