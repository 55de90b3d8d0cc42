""""Can you spot it?": eight training images, some poisoned; the user guesses which.

Round 1 (``spot_it``) plays the current scenario's poisoned set; round 2 (ui/spot_it_faint.py) the
invisible attacks. Both draw their grid and score it with ``play``.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st
import torch

from backdoor.attacks import ATTACKS, Poisoned, unchanged
from backdoor.datasets import Dataset
from ui.charts import to_display
from ui.words import agree

SHOWN = 8

# what ``play`` draws for one training index: the picture, its caption (None: none) and its alt text
Picture = Callable[[int], tuple[object, str | None, str]]


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


def score_sentence(result: dict[str, int], total: int) -> str:
    """"You found **2 of 3** poisoned images, missed 1, and accused 1 clean image. " """
    return (f"You found **{result['found']} of {total}** poisoned images, missed {result['missed']}, and "
            f"accused {result['false_alarms']} clean image{'s' if result['false_alarms'] != 1 else ''}. ")


def round_number(prefix: str) -> int:
    """Which round of the game ``prefix`` this session is on (0 first)."""
    return st.session_state.setdefault(f"{prefix}.round", 0)


def play(prefix: str, indices: list[int], truth: set[int], picture: Picture, intro: str, settings_id: str,
         button: str = "Check my answer") -> dict[str, int] | None:
    """The grid of ``indices`` with a "poisoned?" box under each, in one form; once the form is sent,
    what each picture really was and the score (``score_guess``), else None."""
    number = round_number(prefix)
    revealed = st.session_state.get(f"{prefix}.revealed") == (number, settings_id)
    with st.form(f"{prefix}.form.{number}"):
        st.markdown(intro)
        cols, verdicts = st.columns(SHOWN), []
        for col, i in zip(cols, indices):
            image, caption, alt = picture(i)
            col.image(image, width="stretch", alt=alt)
            if caption:
                col.caption(caption)
            col.checkbox("poisoned?", key=f"{prefix}.{number}.{i}", disabled=revealed)
            verdicts.append(col.empty())  # under its own picture: on a phone a row apart would stack far from it
        submitted = st.form_submit_button(button, disabled=revealed)
    if submitted:
        st.session_state[f"{prefix}.revealed"] = (number, settings_id)
        revealed = True
    if not revealed:
        return None
    guessed = {i for i in indices if st.session_state.get(f"{prefix}.{number}.{i}")}
    for slot, i in zip(verdicts, indices):
        slot.markdown(verdict(i in truth, i in guessed))
    return score_guess(guessed, truth)


def verdict(poisoned: bool, ticked: bool) -> str:
    """What one picture really was, and what the tick made of it."""
    if poisoned:
        return ":red[**poisoned**]" + (" (you found it)" if ticked else " (missed)")
    return "clean" + (" :orange[(false alarm)]" if ticked else "")


def next_round(prefix: str, label: str = "Play another round") -> None:
    """A button to the next round of the game ``prefix``."""
    if st.button(label, key=f"btn.{prefix}.next"):
        st.session_state[f"{prefix}.round"] += 1
        st.rerun()


def spot_it(dataset: Dataset, poisoned: Poisoned, seed: int, settings_id: str, attack: str = "badnets") -> None:
    """Round 1, on ``poisoned`` (the ``attack``'s set); its last score stays in "spot.score" as
    (found, poisoned shown, attack) for round 2 to compare with."""
    indices, truth = draw_round(poisoned, round_number("spot"), seed)

    def picture(i: int) -> tuple[object, str, str]:
        label = dataset.classes[int(poisoned.y[i])]
        return to_display(poisoned.x[i]), f"labelled '{label}'", f"a training picture, labelled '{label}'"

    intro = ("Here are eight images **exactly as the model will be trained on them**, with their labels. "
             "Tick the ones you think the attacker tampered with.")
    result = play("spot", indices, truth, picture, intro, settings_id)
    if result is None:
        return
    st.session_state["spot.score"] = (result["found"], len(truth), attack)
    st.info(
        score_sentence(result, len(truth))
        + (found_all_words(ATTACKS[attack], _unchanged(dataset, poisoned, truth))
           if result["found"] == len(truth) and not result["false_alarms"] else
           "That is the point: poisoned images can look perfectly ordinary. ")
        + f"In the real training set {poisoned.num_poisoned:,} of {len(poisoned.y):,} images "
        f"{agree(poisoned.num_poisoned, 'is', 'are')} poisoned, "
        "and nobody checks thousands of images by eye.",
        icon=":material/visibility:",
    )
    next_round("spot")


def _unchanged(dataset: Dataset, poisoned: Poisoned, shown: set[int]) -> bool:
    """The trigger changed no pixel of any poisoned picture shown (black ink on a black background)."""
    rows = sorted(shown)
    return bool(rows) and bool(unchanged(dataset.x_train[rows], poisoned.x[rows]).all())


def found_all_words(spec, unseen: bool = False) -> str:
    """Why a student could find every poisoned picture of ``spec``'s attack by eye; ``unseen``: the trigger
    changed no pixel of the poisoned pictures shown, so only their labels could give them away."""
    if unseen:
        return ("Nothing could give them away: the trigger changes no pixel of them and every label matches, so "
                "that was luck. " if spec.config.clean_label else
                "The labels that do not match the pictures gave the poison away: the trigger itself changes no "
                "pixel of them. ")
    if spec.config.clean_label:
        return ("The labels all match the pictures here, so it was the trigger itself you saw: with enough of it, a "
                "careful look works. ")
    if spec.invisible:
        return ("The labels that do not match the pictures gave the poison away, though the trigger itself is made to "
                "be invisible: on eight pictures a careful look works. ")
    return "With a visible trigger and labels that do not match the picture, a careful look works. "
