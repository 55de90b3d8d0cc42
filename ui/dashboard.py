"""The instructor's live dashboard: who joined, where each student is, and the class's results."""

from __future__ import annotations

import html
from datetime import timedelta

import plotly.graph_objects as go
import streamlit as st

from backdoor.attacks import ATTACKS
from backdoor.busy import JOBS
from backdoor.classroom import ClassInfo, ClassroomUnavailable, class_events, roster
from backdoor.classroom.redblue import blue_board, red_board
from backdoor.classroom.dashboard import (catches_cell, competition_ranks, defense_catches, mystery_board,
                                         progress, quiz_answers, reached_words, trained_results)
from backdoor.defenses.registry import DEFENSES
from backdoor.mystery import draw_challenge
from ui.charts import CHART_CONFIG
from ui.classroom import class_database, class_scenario
from ui.glossary import quizzes
from ui.redblue import class_pool
from ui.words import and_list, count_of, percent, plain

REFRESH = timedelta(seconds=3)


@st.fragment(run_every=REFRESH)
def live_dashboard(info: ClassInfo) -> None:
    """Redrawn every few seconds from the database, so every replica shows the same class."""
    db, why = class_database()
    if db is None:
        st.warning(why, icon=":material/cloud_off:")
        return
    try:
        students, events = roster(db, info.id), class_events(db, info.id)
    except ClassroomUnavailable as error:
        st.warning(str(error), icon=":material/cloud_off:")
        return
    running, queued = JOBS.names(), JOBS.queued()
    st.caption(f"Live: redrawn every {REFRESH.seconds} s. {len(students)} joined, "
               f"{count_of(len(events), 'action')} recorded. This server: {count_of(len(running), 'heavy job')} "
               f"running of {JOBS.slot_count()} at once" + (f", {len(queued)} waiting ({', '.join(queued)})"
                                                             if queued else ", none waiting") + ".")
    if not students:
        st.info("Nobody has joined yet. Show the link or the QR code above.", icon=":material/group_add:")
        return
    rows = progress(students, events)
    st.markdown("**Who is where**")
    st.table([{"nickname": plain(r.nickname), "now on": r.now_on, "story reached": reached_words(r.furthest),
                   "models trained": r.trained, "defenses run": r.defenses,
                   "quiz": f"{r.quiz_right} of {r.quiz_answered} right" if r.quiz_answered else "none yet"}
                  for r in rows])
    _results(events)
    _defenses(events)
    _quiz(events)
    _mystery(info, events)
    _red_vs_blue(info, events)


def _results(events) -> None:
    results = trained_results(events)
    left_out = sum(e.kind == "trained" for e in events) - len(results)  # models that learnt nothing
    st.markdown("**Poison rate against attack success, across the class**")
    if not results:
        st.caption(dose_sentence(results, left_out) if left_out else "No one has trained a model yet.")
        return
    fig = go.Figure()
    for attack in sorted({r["attack"] for r in results}):
        mine = [r for r in results if r["attack"] == attack]
        fig.add_trace(go.Scatter(x=[100 * r["poison_rate"] for r in mine], y=[100 * r["asr"] for r in mine],
                                 mode="markers", name=ATTACKS[attack].short_title if attack in ATTACKS else attack,
                                 text=[html.escape(r["nickname"]) for r in mine], marker=dict(size=11),
                                 hovertemplate="%{text}: %{x:.1f}% poisoned, ASR %{y:.0f}%<extra></extra>"))
    highest = max(100 * r["poison_rate"] for r in results)
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="poisoned training images (%)",
                      yaxis_title="attack success rate (%)", yaxis_range=[-2, 102], xaxis_range=[0, highest * 1.2 + 1])
    st.plotly_chart(fig, config=CHART_CONFIG, key="dash.results")
    st.caption(dose_sentence(results, left_out))


GUESSED = "(clean accuracy at the level of guessing, as a learning rate of 1.0 can give)"


def _left_out(plotted: int, left_out: int) -> str:
    """The models that learnt nothing, which the plot leaves out ("" when there are none)."""
    if not left_out:
        return ""
    if not plotted:
        if left_out == 1:
            return f" It learnt nothing {GUESSED}, so it is left out: its attack success says nothing about a trigger."
        return (f" None of them learnt anything {GUESSED}, so all are left out: their attack success says nothing "
                "about a trigger.")
    one = left_out == 1
    return (f" {left_out} of them learnt nothing {GUESSED} and {'is' if one else 'are'} left out: "
            f"{'its' if one else 'their'} attack success says nothing about a trigger.")


def dose_sentence(results: list[dict], left_out: int = 0) -> str:
    """The class's smallest poison dose and what it did, naming everyone who tried it (true at ties, for
    one student and for a class that trained only clean models). ``left_out``: models trained that learnt
    nothing, which ``results`` (and the plot) leave out."""
    lead = f"{count_of(len(results) + left_out, 'model')} trained.{_left_out(len(results), left_out)}"
    if not results:
        return lead
    poisoned = [r for r in results if r["poison_rate"] > 0]
    if not poisoned:
        if left_out:
            return f"{lead} Every model plotted learnt from clean data: none had poisoned images."
        return f"{lead} No one has poisoned any images yet: every model here learnt from clean data."
    dose = min(r["poison_rate"] for r in poisoned)
    at_dose = [r for r in poisoned if r["poison_rate"] == dose]
    who = and_list(list(dict.fromkeys(plain(r["nickname"]) for r in at_dose)))
    low, high = (percent(f(r["asr"] for r in at_dose)) for f in (min, max))
    gave = f"an attack success rate of {low}" if low == high else f"attack success rates from {low} to {high}"
    return f"{lead} The smallest dose anyone tried, {percent(dose)} of the images, gave {gave} ({who})."


def _defenses(events) -> None:
    table = defense_catches(events)
    if not table:
        return
    st.markdown("**Which defense stopped which attack, across the class**")
    attacks = sorted({a for a, _ in table})
    rows = []
    for attack in attacks:
        row = {"attack": ATTACKS[attack].short_title if attack in ATTACKS else attack}
        for name, defense in DEFENSES.fitting("image").items():
            if (attack, name) in table:
                row[defense.title] = catches_cell(*table[attack, name])
        rows.append(row)
    st.table(rows)


def _quiz(events) -> None:
    answers = quiz_answers(events)
    if not answers:
        return
    st.markdown("**Quiz: how the class answered (first answers)**")
    for page, questions in quizzes().items():
        for i, q in enumerate(questions):
            counts = answers.get(f"{page}.{i}")
            if not counts:
                continue
            total = sum(counts.values())
            parts = [f"{'✓ ' if k == q['answer'] else ''}{option}: {counts.get(k, 0)}"
                     for k, option in enumerate(q["options"])]
            right = counts.get(q["answer"], 0)
            st.markdown(f"- {q['question']}  \n  {' · '.join(parts)} ({right} of {total} right)")


def _mystery(info: ClassInfo, events) -> None:
    if not any(e.kind == "mystery" for e in events):
        return
    base, num_classes = class_scenario(info)
    board = mystery_board(events, lambda code, count: draw_challenge(code, count, base, num_classes))
    st.markdown("**Mystery models: leaderboard**" + ("" if info.revealed else " (answers still hidden from students)"))
    ranks = competition_ranks([s.points for s in board])  # the same points, the same rank: 1, 1, 3
    st.table([{"rank": rank, "nickname": plain(s.nickname), "points": f"{s.points} of {s.possible}",
                   "verdicts given": s.answered} for rank, s in zip(ranks, board)], hide_index=True,
                 key="dash.mystery")


def _red_vs_blue(info: ClassInfo, events) -> None:
    if not any(e.kind in ("red", "blue") for e in events):
        return
    entries = class_pool(info) or []
    verdicts = [e for e in events if e.kind == "blue"]
    red = sum(e.kind == "red" for e in events)
    st.markdown(f"**Red vs blue** ({count_of(red, 'submission')}, {count_of(len(entries), 'model')} in the pool, "
                f"{count_of(len(verdicts), 'blue verdict')})")
    left, right = st.columns(2)
    leaderboards(left, right, entries, verdicts)


def leaderboards(left, right, entries, verdicts) -> None:
    """Red's and blue's leaderboards side by side (a line instead of an empty table)."""
    for column, side, board in ((left, "red", red_board(entries, verdicts)), (right, "blue",
                                                                             blue_board(entries, verdicts))):
        if board:
            column.table([{side: plain(s.nickname), "points": f"{s.points:g}", "how": s.detail} for s in board])
        else:
            column.caption(f"No {side} scores yet.")
