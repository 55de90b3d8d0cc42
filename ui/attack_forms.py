"""The settings widgets of each attack: a registry from attack name to its form."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Callable

import streamlit as st

from ui.state import bind

from backdoor.attacks import ATTACKS, COLOURS, CORNERS, PATTERNS


def _defaults(attack: str) -> str:
    """Store the config's own defaults once; returns this attack's key prefix."""
    prefix = f"poison.{attack}."
    for f in fields(ATTACKS[attack].config):
        if f.default is not MISSING:
            st.session_state.setdefault(prefix + f.name, f.default)
    return prefix


def badnets_form(image_shape: tuple[int, int, int]) -> None:
    p = _defaults("badnets")
    limit = max(1, min(image_shape[1:]) // 2)
    if st.session_state[p + "size"] > limit:
        st.session_state[p + "size"] = limit
    c1, c2 = st.columns(2)
    c1.slider("Patch size (pixels)", 1, limit, **bind(p + "size"),
              help="The side of the square sticker. Smaller is harder to notice.")
    c2.selectbox("Position", CORNERS, **bind(p + "position"), help="Where the sticker goes on every poisoned image.")
    c1.selectbox("Colour", list(COLOURS), **bind(p + "colour"))
    c2.selectbox("Pattern", PATTERNS, **bind(p + "pattern"),
                 help="checkerboard: colour and black squares; solid: one colour; random: a fixed random pattern.")


def blended_form(image_shape: tuple[int, int, int]) -> None:
    p = _defaults("blended")
    c1, c2 = st.columns(2)
    c1.slider("Opacity (alpha)", 0.02, 0.5, step=0.01, **bind(p + "alpha"),
              help="How strongly the pattern is mixed in: 0.1 means 10% pattern, 90% original image.")
    c2.selectbox("Pattern", ("noise", "stripes"), **bind(p + "pattern"),
                 help="noise: fixed random speckles; stripes: faint diagonal stripes.")


ATTACK_FORMS: dict[str, Callable[[tuple[int, int, int]], None]] = {
    "badnets": badnets_form,
    "blended": blended_form,
}
