"""The classroom presets as one-click cards."""

from __future__ import annotations

from contextlib import nullcontext

import streamlit as st
import torch

from backdoor import estimates, timing
from backdoor.presets import PRESETS, Preset
from backdoor.store import is_stored
from ui.resources import current_device
from ui.state import apply_preset, current_scenario, is_stakeholder
from ui.training import figures_if_measured
from ui.waiting import busy_note, here, preset_shape
from ui.words import percent


def _current():
    try:
        return current_scenario()
    except ValueError:
        return None


PRESET_MEASURING = "its training time is still being measured on this server"


def missing_models(preset: Preset) -> list[str]:
    """The preset's models not yet in the model store."""
    return [kind for kind in estimates.KINDS if not is_stored(preset.scenario, kind)]


def preset_timing(preset: Preset, device: torch.device, wait: bool = True) -> str:
    """ "ready: ..." for a prepared preset, else how long its training takes on this server
    (without ``wait``, only from what is measured already: a landing page never waits)."""
    missing = missing_models(preset)
    if not missing:
        return "ready: its models are in the model store, so it opens instantly"
    shape = preset_shape(preset.scenario)
    try:
        with nullcontext() if wait else timing.measured_only():
            if shape is None:
                raise timing.NotMeasuredYet(preset.scenario.dataset)
            estimate = estimates.train_models(shape, preset.scenario, device, missing)
    except timing.NotMeasuredYet:
        return PRESET_MEASURING
    what = "training both models" if len(missing) == len(estimates.KINDS) else "training the missing model"
    return f"{what} takes {here(estimate)}"


def preset_figures(preset: Preset, device: torch.device) -> tuple[float, float, bool]:
    """The preset's attack success and clean accuracy, and whether they were measured here: the figures of
    its stored model once this server has measured them (the very figures every page then shows for it),
    else the figures it is expected to reproduce (``backdoor.presets``, within a few points)."""
    known = figures_if_measured(preset.scenario, device)
    if known is None:
        return preset.expected_asr, preset.expected_clean_acc, False
    return known["asr"], known["clean_acc"], True


def figures_words(preset: Preset, device: torch.device) -> str:
    """ "Measured on this server: 94.0% attack success at 97.4% clean accuracy", or "Expect about ..."."""
    asr, acc, measured = preset_figures(preset, device)
    lead = "Measured on this server:" if measured else "Expect about"
    return f"{lead} {percent(asr)} attack success at {percent(acc)} clean accuracy"


def preset_cards() -> None:
    """One card per preset, three to a line; two (then one) where the page is too narrow for three
    ("Use this preset" never cut short: a tablet, or a laptop with the menu open; ui/assets/lab.css)."""
    if is_stakeholder():
        st.caption("Each card gives two figures: attack success, the share of triggered pictures sent where the "
                   "attacker wants, and clean accuracy, how often the model is right on ordinary pictures.")
    cards = st.container(horizontal=True, key="preset-cards")
    device = current_device()
    for preset in PRESETS.values():
        with cards.container(border=True, key=f"preset-card-{preset.name}"):
            st.markdown(f"**{preset.title}**  \n{preset.story}")
            when = preset_timing(preset, device, wait=False)
            prepared = "" if is_stakeholder() or when.startswith("ready") else " (instant after `make warm`)"
            st.caption(f"{figures_words(preset, device)}; {when}{prepared}.")
            st.button("Use this preset", key=f"btn.preset.{preset.name}", on_click=apply_preset,
                      args=(preset.name,), icon=":material/tune:")
    note = busy_note()
    if note:
        st.caption(note.strip())
    chosen = st.session_state.get("lab.preset")
    if chosen in PRESETS and _current() == PRESETS[chosen].scenario:
        next_step = ("Next: watch the model being backdoored (step 2)." if is_stakeholder()
                     else "Go to step 1 to see the poison, or straight to step 2 to train.")
        st.success(f"Preset **{PRESETS[chosen].title}** is set on every page. {next_step}",
                   icon=":material/check_circle:")
