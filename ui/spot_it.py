""""Can you spot it?": eight training images, some poisoned; the user guesses which."""

from __future__ import annotations

import streamlit as st
import torch

from backdoor.attacks import Poisoned
from backdoor.datasets import Dataset
from ui.charts import to_display

SHOWN = 8


def draw_round(poisoned: Poisoned, round_number: int, seed: int) -> tuple[list[int], set[int]]:
    """Eight training indices, between 2 and 4 of them poisoned (fewer if fewer exist), and which."""
    gen = torch.Generator().manual_seed(seed * 1000 + round_number)
    bad = torch.nonzero(poisoned.poisoned_mask).flatten()
    untouched = ~poisoned.poisoned_mask
    if poisoned.cover_mask is not None:
        untouched &= ~poisoned.cover_mask  # only images nobody altered count as clean here
    good = torch.nonzero(untouched).flatten()
    count = min(len(bad), int(torch.randint(2, 5, (1,), generator=gen)))
    picks = bad[torch.randperm(len(bad), generator=gen)[:count]].tolist()
    picks += good[torch.randperm(len(good), generator=gen)[: SHOWN - count]].tolist()
    order = torch.randperm(len(picks), generator=gen).tolist()
    return [picks[i] for i in order], set(picks[:count])


def score_guess(guessed: set[int], truth: set[int]) -> dict[str, int]:
    return {"found": len(guessed & truth), "missed": len(truth - guessed), "false_alarms": len(guessed - truth)}


def spot_it(dataset: Dataset, poisoned: Poisoned, seed: int, settings_id: str) -> None:
    st.session_state.setdefault("spot.round", 0)
    round_number = st.session_state["spot.round"]
    indices, truth = draw_round(poisoned, round_number, seed)
    revealed = st.session_state.get("spot.revealed") == (round_number, settings_id)
    with st.form(f"spot.form.{round_number}"):
        st.markdown("Here are eight images **exactly as the model will be trained on them**, with their labels. "
                    "Tick the ones you think the attacker tampered with.")
        cols = st.columns(SHOWN)
        for col, i in zip(cols, indices):
            col.image(to_display(poisoned.x[i]), width="stretch",
                      alt=f"a training picture, labelled '{dataset.classes[int(poisoned.y[i])]}'")
            col.caption(f"labelled '{dataset.classes[int(poisoned.y[i])]}'")
            col.checkbox("poisoned?", key=f"spot.{round_number}.{i}", disabled=revealed)
        submitted = st.form_submit_button("Check my answer", disabled=revealed)
    if submitted:
        st.session_state["spot.revealed"] = (round_number, settings_id)
        revealed = True
    if revealed:
        guessed = {i for i in indices if st.session_state.get(f"spot.{round_number}.{i}")}
        result = score_guess(guessed, truth)
        cols = st.columns(SHOWN)
        for col, i in zip(cols, indices):
            if i in truth:
                col.markdown(":red[**poisoned**]" + (" (you found it)" if i in guessed else " (missed)"))
            else:
                col.markdown("clean" + (" :orange[(false alarm)]" if i in guessed else ""))
        st.info(
            f"You found **{result['found']} of {len(truth)}** poisoned images, missed {result['missed']}, and "
            f"accused {result['false_alarms']} clean image{'s' if result['false_alarms'] != 1 else ''}. "
            + ("With a visible patch and labels that do not match the picture, a careful look works. "
               if result["found"] == len(truth) and not result["false_alarms"] else
               "That is the point: poisoned images can look perfectly ordinary. ")
            + f"In the real training set {poisoned.num_poisoned:,} of {len(poisoned.y):,} images are poisoned, "
            "and nobody checks thousands of images by eye.",
            icon=":material/visibility:",
        )
        if st.button("Play another round", key="btn.spot.next"):
            st.session_state["spot.round"] += 1
            st.rerun()
