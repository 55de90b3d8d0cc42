"""How few poisoned images suffice: the poison-rate sweep, run with progress and cached."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
import torch

from backdoor.attacks import poisonable
from backdoor.datasets import Dataset
from backdoor.scenario import Scenario
from backdoor.sweep import (SweepPoint, load_sweep, poison_rate_sweep, save_sweep, stored_counts, sweep_counts,
                            sweep_key)
from backdoor import estimates
from ui.jobs import offer_job, shared_memo
from ui.waiting import busy_note, estimate_now, here_or_measuring
from ui.readings import EQUALLY_GOOD, accuracy_gap
from ui.charts import CHART_CONFIG, HARMFUL, HONEST
from ui.words import agree, count_of, in_store, percent, whole_percent


def sweep_chart(points: list[SweepPoint], num_train: int) -> go.Figure:
    xs = [p.poisoned_images for p in points]
    labels = [f"{p.poisoned_images} ({100 * p.rate:.2g}%)" for p in points]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xs, y=[100 * p.asr for p in points], name="attack success rate",
                             mode="lines+markers", line=dict(color=HARMFUL, dash="dash"), marker=dict(symbol="x"),
                             text=labels))
    fig.add_trace(go.Scatter(x=xs, y=[100 * p.clean_acc for p in points], name="clean accuracy",
                             mode="lines+markers", line=dict(color=HONEST), text=labels))
    # ticks at the counts tried, written in full (a log axis alone labels 20 and 30 as "2" and "3")
    fig.update_xaxes(type="log", title_text=f"poisoned training images (of {num_train:,}), log scale",
                     tickvals=xs, ticktext=[f"{x:,}" for x in xs])
    fig.update_yaxes(range=[0, 101], title_text="%")
    fig.update_layout(height=330, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.3))
    return fig


def sweep_words(counts: list[int], stored: int, took: str) -> str:
    """What "Run the sweep" will do: one model per count, ``stored`` of them loaded from the model
    store instead of trained, in ``took`` ("about 45 s on this server")."""
    models = f"one per poison count ({', '.join(map(str, counts))} images)"
    if not stored:
        head = f"Trains {count_of(len(counts), 'model')}, {models}"
    elif stored < len(counts):
        head = f"Trains {len(counts) - stored} of its {len(counts)} models, {models}: {in_store(stored)}"
    else:
        head = (f"Its {count_of(len(counts), 'model')}, {models}, {agree(len(counts), 'is', 'are')} in the model "
                "store already, so it only measures them")
    return f"{head}; {took}. Everything else stays as set above."


def read_sweep(points: list[SweepPoint]) -> str:
    working = [p for p in points if p.asr >= 0.9]
    worst_acc = min(p.clean_acc for p in points)
    if working:
        first = working[0]
        head = (f"With only **{count_of(first.poisoned_images, 'poisoned image')} ({100 * first.rate:.2g}% of the "
                f"training set)** the trigger already works {whole_percent(first.asr)} of the time.")
    else:
        best = max(points, key=lambda p: p.asr)  # on a tie, the fewest poisoned images
        if f"{best.asr:.0%}" == "0%":
            head = ("This attack never took hold in the sweep: the trigger worked on under 1% of the triggered test "
                    "images at every poison count tried.")
        else:
            shown = percent(best.asr)  # one decimal, and never "90.0%" for a best that stayed under the line
            head = (f"This attack never reached 90% success in the sweep; its best was "
                    f"{'just under 90%' if shown == '90.0%' else shown}, with "
                    f"{count_of(best.poisoned_images, 'poisoned image')}.")
    best_acc = max(p.clean_acc for p in points)
    if accuracy_gap(worst_acc, best_acc) <= EQUALLY_GOOD:
        span = (f"at {worst_acc:.1%}" if f"{worst_acc:.1%}" == f"{best_acc:.1%}" else
                f"between {worst_acc:.1%} and {best_acc:.1%}")
        return head + (f" Clean accuracy stays {span} throughout, so an accuracy check never notices the difference.")
    return head + (f" Clean accuracy moves between {worst_acc:.1%} and {best_acc:.1%} across the sweep: compare it "
                   "with the clean model on the Train page before calling the poison invisible.")


def _sweep(dataset: Dataset, scenario: Scenario, counts: list[int], device: torch.device, bar) -> list[SweepPoint]:
    points = poison_rate_sweep(dataset, scenario, counts, device, bar)
    save_sweep(scenario, counts, device, points)
    return points


def poison_sweep(dataset: Dataset, scenario: Scenario, device: torch.device) -> None:
    eligible = int(poisonable(dataset.y_train, scenario.trigger, scenario.target).sum())
    counts = sweep_counts(len(dataset.y_train), eligible)
    key = sweep_key(scenario, counts, device)
    memo = shared_memo("sweeps", 16)  # a second student with the same settings waits for none
    points = memo.get(key)
    if points is None:
        stored = load_sweep(scenario, counts, device)  # from the store: this server before, a replica, make warm
        points = None if stored is None else memo.get_or_compute(key, lambda: stored)
    if points is None:
        loaded = stored_counts(scenario, counts, len(dataset.y_train))  # a stopped sweep's, the instant grid's

        def estimate() -> estimates.Estimate:
            return estimates.sweep(estimates.DataShape.of(dataset), scenario, counts, device, loaded)

        known = estimate_now(estimate)
        st.caption(sweep_words(counts, len(loaded), here_or_measuring(known)) + busy_note())
        offer_job("Run the sweep", "btn.sweep", "the poison-rate sweep", known or estimate,
                  lambda bar: _sweep(dataset, scenario, counts, device, bar), memo=memo, memo_key=key,
                  start="Starting the sweep...", icon=":material/play_arrow:")
        return
    st.plotly_chart(sweep_chart(points, len(dataset.y_train)), key="sweep.chart", config=CHART_CONFIG)
    st.markdown(read_sweep(points))
