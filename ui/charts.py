"""Plotly figures and image helpers the pages share."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from backdoor.train import EpochRecord

COLOURS = {"Backdoored model": "#d62728", "Clean baseline": "#1f77b4"}


def training_curves(histories: dict[str, list[EpochRecord]], epochs: int) -> go.Figure:
    """Loss, clean accuracy and attack success rate per epoch, one line per model."""
    fig = make_subplots(
        rows=1, cols=3, subplot_titles=("Training loss", "Clean test accuracy (%)", "Attack success rate (%)")
    )
    for name, history in histories.items():
        xs = [r.epoch for r in history]
        colour = COLOURS.get(name)
        series = [
            [r.loss for r in history],
            [100 * r.clean_acc for r in history],
            [100 * r.asr if not math.isnan(r.asr) else None for r in history],
        ]
        for col, ys in enumerate(series, start=1):
            fig.add_trace(
                go.Scatter(x=xs, y=ys, name=name, mode="lines+markers", line=dict(color=colour),
                           showlegend=col == 1, legendgroup=name),
                row=1, col=col,
            )
    fig.update_xaxes(title_text="epoch", range=[0.5, epochs + 0.5], dtick=1)
    fig.update_yaxes(range=[0, 101], row=1, col=2)
    fig.update_yaxes(range=[0, 101], row=1, col=3)
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.25))
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


def probability_bars(probs: dict[str, torch.Tensor], classes: tuple[str, ...]) -> go.Figure:
    fig = go.Figure()
    for name, p in probs.items():
        fig.add_trace(go.Bar(x=list(classes), y=(100 * p).tolist(), name=name, marker_color=COLOURS.get(name)))
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
