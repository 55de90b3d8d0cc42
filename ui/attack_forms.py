"""The settings form of any attack, drawn from its config's fields (``backdoor.attacks.base.setting``).

An attack that wants a form of its own puts ``form(image_shape)`` in ``ui/forms/<attack>.py``;
every other attack gets this generic one: each setting as a slider or a choice, two per row,
then the attack's note.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

import streamlit as st

from backdoor.attacks import ATTACKS, widgets
from ui.state import bind


def _defaults(attack: str) -> str:
    """Store the config's own defaults once; returns this attack's key prefix."""
    prefix = f"poison.{attack}."
    for name, default, _ in widgets(ATTACKS[attack].config):
        st.session_state.setdefault(prefix + name, default)
    return prefix


def generic_form(attack: str, image_shape: tuple[int, int, int]) -> None:
    prefix = _defaults(attack)
    columns = st.columns(2)
    settings = widgets(ATTACKS[attack].config)
    for i, (name, _, widget) in enumerate(settings):
        key, column = prefix + name, columns[i % 2]
        if widget.choices:
            column.selectbox(widget.label, widget.choices, **bind(key), help=widget.help)
            continue
        high = widget.highest(image_shape)
        if st.session_state[key] > high:  # a smaller image than the setting was made for
            st.session_state[key] = high
        step = {} if widget.step is None else {"step": widget.step}
        column.slider(widget.label, widget.low, high, **step, **bind(key), help=widget.help)
    note = ATTACKS[attack].note
    if note:
        columns[len(settings) % 2].caption(note)


def attack_form(attack: str, image_shape: tuple[int, int, int]) -> None:
    """The attack's own form when it has one (``ui/forms/<attack>.py``), else the generic one."""
    module = f"ui.forms.{attack}"
    if find_spec(module) is not None:
        import_module(module).form(image_shape)
    else:
        generic_form(attack, image_shape)
