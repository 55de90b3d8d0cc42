"""Plotly figures and image helpers the pages share."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from backdoor.kinds import LABELS
from backdoor.metrics import only_guesses
from backdoor.train import EpochRecord
from ui.words import ONE_ANSWER, and_list, chance

# By model kind, from the Okabe-Ito palette (told apart with every common colour-vision deficiency),
# and never by colour alone: the backdoored model's lines are dashed with crosses, its bars hatched.
COLOURS = {"backdoored": "#D55E00", "baseline": "#0072B2"}
DASHES = {"backdoored": "dash", "baseline": "solid"}
SYMBOLS = {"backdoored": "x", "baseline": "circle"}
PATTERNS = {"backdoored": "/", "baseline": ""}
HARMFUL, HONEST, NEUTRAL = COLOURS["backdoored"], COLOURS["baseline"], "#7f7f7f"  # triggered, clean, other


def guessing_note(histories: dict[str, list[EpochRecord]], num_classes: int) -> str:
    """Why some attack-success points are missing from :func:`training_curves` ("" when none are)."""
    hidden = sorted({r.epoch for h in histories.values() for r in h
                     if not math.isnan(r.asr) and only_guesses(r.clean_acc, num_classes)})
    if not hidden:
        return ""
    epochs = and_list(hidden)
    return (f"Attack success is not drawn for epoch{'s' if len(hidden) > 1 else ''} {epochs}: there the model only "
            f"guessed (clean accuracy near chance, {chance(num_classes)}), and {ONE_ANSWER}.")


def training_curves(histories: dict[str, list[EpochRecord]], epochs: int, num_classes: int | None = None,
                    names: dict[str, str] = LABELS) -> go.Figure:
    """Loss, clean accuracy and attack success rate per epoch, one line per model kind. With
    ``num_classes``, epochs where a model only guesses get no attack-success point (see :func:`guessing_note`);
    ``names``: each kind's label (``backdoor.kinds.labels``)."""
    fig = make_subplots(
        # titles on two lines: three side by side still fit a phone's width
        rows=1, cols=3, subplot_titles=("Training<br>loss", "Clean test<br>accuracy (%)", "Attack success<br>rate (%)")
    )
    for kind, history in histories.items():
        xs = [r.epoch for r in history]
        name, colour = names[kind], COLOURS[kind]
        series = [
            [r.loss for r in history],
            [100 * r.clean_acc for r in history],
            [None if math.isnan(r.asr) or (num_classes and only_guesses(r.clean_acc, num_classes)) else 100 * r.asr
             for r in history],
        ]
        for col, ys in enumerate(series, start=1):
            fig.add_trace(
                go.Scatter(x=xs, y=ys, name=name, mode="lines+markers", line=dict(color=colour, dash=DASHES[kind]),
                           marker=dict(symbol=SYMBOLS[kind], size=8),
                           showlegend=col == 1, legendgroup=name),
                row=1, col=col,
            )
    if num_classes and guessing_note(histories, num_classes):
        fig.add_annotation(text="not drawn while the model only guesses", xref="x3 domain", yref="y3 domain",
                           x=0.5, y=0.5, showarrow=False, font=dict(color="#666"))
    fig.update_xaxes(title_text="epoch", range=[0.5, epochs + 0.5], dtick=1)
    fig.update_yaxes(range=[0, 101], row=1, col=2)
    fig.update_yaxes(range=[0, 101], row=1, col=3)
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=60, b=10), legend=dict(orientation="h", y=-0.25))
    return fig


def confusion_heatmap(matrix: torch.Tensor, classes: tuple[str, ...], title: str) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=matrix.numpy(), x=list(classes), y=list(classes), colorscale="Blues",
            text=matrix.numpy(), texttemplate="%{text}", showscale=False,
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title, height=420, margin=dict(l=10, r=10, t=40, b=10),
        xaxis_title="predicted class", yaxis_title="true class", yaxis_autorange="reversed",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fig


def probability_bars(probs: dict[str, torch.Tensor], classes: tuple[str, ...],
                     names: dict[str, str] = LABELS) -> go.Figure:
    """Each model kind's class probabilities for one image (``names``: each kind's label)."""
    fig = go.Figure()
    for kind, p in probs.items():
        fig.add_trace(go.Bar(x=list(classes), y=(100 * p).tolist(), name=names[kind], marker_color=COLOURS[kind],
                             marker_pattern_shape=PATTERNS[kind]))
    fig.update_layout(
        barmode="group", height=260, margin=dict(l=10, r=10, t=10, b=10),
        yaxis_title="probability (%)", yaxis_range=[0, 100], legend=dict(orientation="h", y=-0.3),
    )
    fig.update_xaxes(type="category")
    return fig


def to_display(image: torch.Tensor, scale: int = 4) -> np.ndarray:
    """(C, H, W) in [0, 1] -> an enlarged uint8 HWC (or HW) array with crisp pixels."""
    arr = (image.detach().cpu().clamp(0, 1).numpy() * 255).round().astype(np.uint8)
    arr = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
    return np.kron(arr, np.ones((scale, scale) + (() if arr.ndim == 2 else (1,)), dtype=np.uint8))


STRIP_WIDTH = 80  # pixels per picture in an image strip


def image_strip(images: list[torch.Tensor], captions: list[str], width: int = STRIP_WIDTH) -> None:
    """Small pictures side by side that wrap onto the next line on a narrow screen (columns
    would stack them one per screen on a phone)."""
    st.image([to_display(image) for image in images], caption=captions, width=width,
             alt=[f"picture: {caption}" for caption in captions])


# Plotly's floating toolbar sits over the top right of a chart, where titles and legends go;
# the lab's charts are read, not edited, so it is hidden on every chart.
CHART_CONFIG = {"displayModeBar": False}

_MARKERS = ("circle", "diamond", "square", "triangle-up", "x", "star", "cross", "pentagon")


def defense_scatter(before, repairs) -> go.Figure:
    """Clean accuracy against attack success, one marker per repair and a legend instead of
    labels on the points (labels clip at the edges and overlap when defenses land close)."""
    points = [("no defense", before)] + [(o.title, o.after) for o in repairs]
    fig = go.Figure()
    for i, (name, ev) in enumerate(points):
        fig.add_trace(go.Scatter(
            x=[100 * ev.asr], y=[100 * ev.clean_acc], name=name, mode="markers",
            marker=dict(size=14, symbol=_MARKERS[i % len(_MARKERS)], line=dict(width=1, color="#333")),
            hovertemplate=f"{name}: attack success %{{x:.1f}}%, clean accuracy %{{y:.1f}}%<extra></extra>"))
    low = min(100 * ev.clean_acc for _, ev in points)
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="attack success rate (%)",
                      yaxis_title="clean accuracy (%)", xaxis_range=[-5, 105], yaxis_range=[max(0, low - 5), 100.5],
                      legend=dict(orientation="h", y=-0.25))
    return fig
