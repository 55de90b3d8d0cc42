"""The classroom presets as one-click cards."""

from __future__ import annotations

import streamlit as st

from backdoor.presets import PRESETS
from ui.state import apply_preset, current_scenario, is_stakeholder


def _current():
    try:
        return current_scenario()
    except ValueError:
        return None


def preset_cards(columns: int = 3) -> None:
    cols = st.columns(columns)
    for i, preset in enumerate(PRESETS.values()):
        with cols[i % columns].container(border=True):
            st.markdown(f"**{preset.title}**  \n{preset.story}")
            prepared = "" if is_stakeholder() else " (instant after `make warm`)"
            st.caption(f"Expect about {preset.expected_asr:.0%} attack success at {preset.expected_clean_acc:.1%} "
                       f"clean accuracy; training both models takes about {preset.train_seconds:.0f} s on a "
                       f"laptop{prepared}.")
            st.button("Use this preset", key=f"btn.preset.{preset.name}", on_click=apply_preset,
                      args=(preset.name,), icon=":material/tune:")
    chosen = st.session_state.get("lab.preset")
    if chosen in PRESETS and _current() == PRESETS[chosen].scenario:
        next_step = ("Next: watch the model being backdoored (step 2)." if is_stakeholder()
                     else "Go to step 1 to see the poison, or straight to step 2 to train.")
        st.success(f"Preset **{PRESETS[chosen].title}** is set on every page. {next_step}",
                   icon=":material/check_circle:")
