"""The matrix beside BackdoorBench's published figures: the setting, a table a phone can read
(four columns), whether each pair agrees, and why the ones that differ likely do."""

from __future__ import annotations

from typing import Mapping

import streamlit as st

from backdoor.matrix import Matrix, column_title, row_title
from backdoor.outcomes import STOPPED
from backdoor.reference import (SETTING, TOOK_HOLD, Pair, explanations, missing_sentence, pairs, points,
                                shown_asr)
from ui.state import is_stakeholder
from ui.words import agree as agreeing, and_list


def agreement_sentence(found: list[Pair]) -> str:
    """How many of the pairs both tables hold agree, in a sentence true for every count."""
    n, agree = len(found), sum(p.agrees for p in found)
    if n == 0:
        return f"{SETTING.name} has no figures for any attack and defense pair of this matrix."
    if n == 1:
        return f"The one pair both tables hold {'agrees' if agree else 'differs'}."
    if agree == n:
        return "Both pairs the two tables hold agree." if n == 2 else f"All {n} pairs both tables hold agree."
    if agree == 0:
        return "Neither pair the two tables hold agrees." if n == 2 else f"None of the {n} pairs both tables hold agree."
    return (f"Of the {n} pairs both tables hold, {agree} {agreeing(agree, 'agrees', 'agree')} and {n - agree} "
            f"{agreeing(n - agree, 'differs', 'differ')}.")


def stakeholder_sentence(found: list[Pair]) -> str:
    """The comparison for a stakeholder, in one plain sentence with the source linked."""
    source = f"[{SETTING.name}]({SETTING.url})"
    n, agree = len(found), sum(p.agrees for p in found)
    if n == 0:
        return f"A published benchmark, {source}, has no figures for these attacks and defenses."
    if n == 1:
        said = ("ran this attack and defense pair on a far larger model and colour photos, and "
                f"{'agrees' if agree else 'disagrees'} with this server")
    else:
        share = "every one" if agree == n else "none" if agree == 0 else f"{agree} of {n}"
        said = (f"ran {n} of these attack and defense pairs on a far larger model and colour photos, and agrees with "
                f"this server on {share}")
    return (f"A published benchmark, {source}, {said}: whether a defense works depends on the model and the data, "
            "so test it on your own.")


def compact_table(found: list[Pair], names: Mapping[str, str] | None = None) -> str:
    """Four columns, so it wraps on a 390 px phone instead of scrolling sideways."""
    title = (lambda a: (names or {}).get(a) or row_title(a))
    rows = [f"| {title(p.ours.attack)} + {column_title(p.ours.defense)} | {shown_asr(p.ours.defense, p.ours.asr)} · "
            f"{points(p.ours.drop)} | {shown_asr(p.ours.defense, p.theirs.asr)} · {points(p.theirs.lost)} | "
            f"{p.verdict} |" for p in found]
    return "\n".join(["| Pair | Ours | Published | Verdict |", "|---|---|---|---|", *rows])


def differing(found: list[Pair], names: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Per defense, the attacks (their titles) on which the two tables differ, in the matrix's order."""
    title = (lambda a: (names or {}).get(a) or row_title(a))
    order = dict.fromkeys(p.ours.defense for p in found)  # the matrix's column order
    return {d: [title(p.ours.attack) for p in found if p.ours.defense == d and not p.agrees] for d in order
            if any(p.ours.defense == d and not p.agrees for p in found)}


def show_published_beside(matrix: Matrix, names: Mapping[str, str] | None = None) -> None:
    """The Matrix page's comparison with BackdoorBench, drawn after "What the matrix says"."""
    found = pairs(matrix)
    st.subheader("Beside the published benchmark")
    if is_stakeholder():
        st.markdown(stakeholder_sentence(found))
        return
    st.markdown(f"[{SETTING.name}]({SETTING.url}) ([paper]({SETTING.paper})) published figures for the same attacks "
                f"and defenses on **{SETTING.dataset}** with **{SETTING.model}**, "
                f"**{SETTING.poison_rate:.0%}** of the training set poisoned, {SETTING.labels}. "
                + agreement_sentence(found))
    if found:
        st.markdown(compact_table(found, names))
        st.caption(f"Published: {SETTING.name}'s figures. Each figure: attack success after the defense · points of clean "
                   "accuracy lost (negative: gained). "
                   f"Ours are lost against a model trained on clean data, {SETTING.name}'s against its own backdoored "
                   f"model before the defense (so its no-defense row loses 0). Agree: both at {STOPPED:.0%} success "
                   f"or less after a defense, or both above; without a defense, both at {TOOK_HOLD:.0%} or more, or "
                   f"both below. Their figures: {SETTING.data}.")
    missing = missing_sentence(matrix)
    if missing:
        st.caption(missing)
    words = explanations()
    with st.expander("Why the two settings differ"):
        st.markdown(words["general"].strip())
    differ = differing(found, names)
    for defense, attacks in differ.items():
        st.markdown(f"**{column_title(defense)}** differs on {and_list(attacks)}. "
                    + words["differs"][defense]["text"].strip())
    if differ:
        st.caption("These reasons were written for the default matrix (5,000 MNIST digits, the small CNN); "
                   "where they say 'likely', they are reasons we expect, not ones we measured.")
