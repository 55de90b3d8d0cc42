"""Evaluation beyond accuracy on the Train page: a reliability diagram and ECE."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
import torch

from backdoor.calibration import Calibration
from backdoor.datasets import Dataset
from backdoor.scenario import Scenario
from backdoor.train import TrainResult
from backdoor.kinds import LABELS, labels
from ui.charts import CHART_CONFIG, COLOURS, SYMBOLS
from ui.page_figures import calibration_figures
from ui.readings import calibration_reading

FEW = 20  # a bin with fewer images moves a long way when one image changes (1 image is 5 points or more)
SMALLEST, LARGEST = 6, 22  # marker sizes (px) for the emptiest and the fullest bin


def marker_sizes(counts: list[int], fullest: int) -> list[float]:
    """A dot per bin, its area growing with the images in it (a bin of ``fullest`` images: ``LARGEST``)."""
    return [SMALLEST + (LARGEST - SMALLEST) * (n / fullest) ** 0.5 if fullest else SMALLEST for n in counts]


def thin_bins_sentence(curves: dict[tuple[str, str], Calibration]) -> str:
    """How to read the dots' sizes, and how many stand for fewer than ``FEW`` images (these jump by chance)."""
    filled = [n for cal in curves.values() for n in cal.counts if n > 0]
    if not filled:
        return ""
    lead = "Each dot is a group of images the model was about equally sure of; the bigger the dot, the more images in it. "
    thin = [n for n in filled if n < FEW]
    if not thin:
        return lead + (f"Every group here holds at least {min(filled):,} images, so one image more or less moves no dot "
                       f"by more than {100 // FEW} points.")
    smallest = min(thin)
    images = f"{smallest} image{'s' if smallest != 1 else ''}"
    if len(thin) == 1:
        which = "The only dot stands" if len(filled) == 1 else f"1 of the {len(filled)} dots stands"
        held = f"it holds {images}"
    else:
        which = "Every dot stands" if len(thin) == len(filled) else f"{len(thin)} of the {len(filled)} dots stand"
        held = f"the smallest holds {images}"
    return (lead + f"{which} for fewer than {FEW} images ({held}): one image more or less moves such a dot a long "
            "way, so a dot that jumps off the line there is chance, not a finding. Read the big dots.")


def reliability_chart(curves: dict[tuple[str, str], Calibration], names: dict[str, str] = LABELS) -> go.Figure:
    """One curve per (model kind, images), labelled only here (``names``: each kind's label)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                             line=dict(color="#999999", dash="dash")))
    fullest = max((n for cal in curves.values() for n in cal.counts), default=0)
    for (kind, images), cal in curves.items():
        points = [(c, a, n) for c, a, n in zip(cal.confidence, cal.accuracy, cal.counts) if n > 0]
        name = f"{names[kind]}, {images} images"
        style = dict(color=COLOURS[kind], **({"dash": "dot"} if images == "triggered" else {}))  # often one point
        sizes = marker_sizes([n for *_, n in points], fullest)  # on one scale across the curves
        fig.add_trace(go.Scatter(x=[c for c, _, _ in points], y=[a for _, a, _ in points], mode="lines+markers",
                                 name=f"{name} (ECE {cal.ece:.3f})", line=style,
                                 marker=dict(size=sizes, symbol=SYMBOLS[kind]),
                                 customdata=[n for *_, n in points],
                                 hovertemplate="%{customdata:,} images: %{x:.0%} sure, right %{y:.0%} of the time"
                                               "<extra></extra>"))
    fig.update_xaxes(title_text="how sure the model said it was (confidence)", range=[0, 1.02])
    fig.update_yaxes(title_text="how often it was right", range=[0, 1.02])
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10),
                      legend=dict(orientation="h", y=-0.3, itemsizing="constant"))  # not the fullest dot's size
    return fig


def calibration_section(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult],
                        device: torch.device, plain: bool = False) -> None:
    """The reliability diagram and its reading; ``plain``: one sentence with no chart and no jargon."""
    curves = calibration_figures(dataset, scenario, models, device)
    base, clean, trig = curves.values()
    words = calibration_reading(base.ece, clean.ece, trig.mean_confidence, trig.accuracy_overall, trig.ece,
                                scenario.poison.rate, plain=plain)
    if plain:
        st.markdown(words)
        return
    chart = reliability_chart(curves, labels(scenario.poison.rate))  # nothing poisoned: no "backdoored" model
    st.plotly_chart(chart, key="train.reliability", config=CHART_CONFIG)
    st.caption(thin_bins_sentence(curves))
    st.markdown(words)
