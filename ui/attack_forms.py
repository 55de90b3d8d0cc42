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


def wanet_form(image_shape: tuple[int, int, int]) -> None:
    p = _defaults("wanet")
    c1, c2 = st.columns(2)
    c1.slider("Warp strength (s)", 0.25, 3.0, step=0.25, **bind(p + "strength"),
              help="About how many pixels the picture is bent. The paper used 0.5 with hundreds of epochs; "
                   "with 5 epochs here, 1.0 is what the model can learn.")
    c2.slider("Warp grid (k)", 2, 8, **bind(p + "grid"),
              help="How many control points the warp has per side: small k gives a smooth, gentle bend.")
    c1.slider("Noise-mode images per poisoned image", 0.0, 3.0, step=0.5, **bind(p + "cover_ratio"),
              help="Extra images bent slightly differently but kept at their true label, so the model "
                   "learns the exact warp and not just 'looks bent'. The paper used 2.")


def sig_form(image_shape: tuple[int, int, int]) -> None:
    p = _defaults("sig")
    c1, c2 = st.columns(2)
    c1.slider("Stripe strength in training", 0.05, 0.5, step=0.05, **bind(p + "train_delta"),
              help="How strong the stripes are on the poisoned training images (0-1 brightness).")
    c2.slider("Stripe strength when attacking", 0.05, 1.0, step=0.05, **bind(p + "delta"),
              help="The attacker may use stronger stripes later, on the images they want misclassified.")
    c1.slider("Stripes across the image (f)", 1, 12, **bind(p + "frequency"))
    c2.caption("Clean-label: only images that really are the target class get the stripes, and no label changes.")


def sticker_form(image_shape: tuple[int, int, int]) -> None:
    p = _defaults("sticker")
    c1, c2 = st.columns(2)
    c1.slider("Sticker size (fraction of the sign)", 0.2, 1.0, step=0.05, **bind(p + "size"),
              help="The side of the sticker relative to the sign's radius: it grows and shrinks with the sign.")
    c2.slider("Height on the sign", -0.8, 0.8, step=0.05, **bind(p + "below"),
              help="0 puts it on the sign's centre; positive values lower, negative higher.")
    c1.selectbox("Colour", list(COLOURS), **bind(p + "colour"))


ATTACK_FORMS: dict[str, Callable[[tuple[int, int, int]], None]] = {
    "badnets": badnets_form,
    "blended": blended_form,
    "wanet": wanet_form,
    "sig": sig_form,
    "sticker": sticker_form,
}
