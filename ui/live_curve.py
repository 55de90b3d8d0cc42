"""The first epoch's loss drawn batch by batch, so a training run moves on screen within a second.

Epoch curves (``ui.charts.training_curves``) get their first point only when an epoch ends, which
on a busy 2-core server is 10 seconds or more after the click. This curve takes each batch's
running loss from the training loop's progress callback and redraws a few times a second.
"""

from __future__ import annotations

import time
from typing import Callable

import plotly.graph_objects as go

from backdoor.kinds import LABELS
from backdoor.train import Progress
from ui.charts import CHART_CONFIG, COLOURS, DASHES

REDRAW_SECONDS = 0.3  # at most this often: every redraw ships a figure to the browser


def batch_curve(points: dict[str, list[tuple[int, float]]], batches: int) -> go.Figure:
    """The running mean loss after each batch of the first epoch, one line per model kind."""
    fig = go.Figure()
    for kind, xy in points.items():
        fig.add_trace(go.Scatter(x=[b for b, _ in xy], y=[loss for _, loss in xy], name=LABELS[kind], mode="lines",
                                 line=dict(color=COLOURS[kind], dash=DASHES[kind])))
    fig.update_xaxes(title_text="batch of the first epoch", range=[0, batches])
    fig.update_yaxes(title_text="training loss", rangemode="tozero")
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), showlegend=True,
                      legend=dict(orientation="h", y=-0.35),  # named even alone: never told by colour only
                      title=dict(text="First epoch, live: the loss after each batch", font=dict(size=14)))
    return fig


class BatchCurve:
    """Feed it every progress report; it redraws ``where`` (an ``st.empty()``) during the first epoch."""

    def __init__(self, where, redraw_seconds: float = REDRAW_SECONDS, clock: Callable[[], float] = time.perf_counter):
        self.where, self.redraw_seconds, self.clock = where, redraw_seconds, clock
        self.points: dict[str, list[tuple[int, float]]] = {}
        self.drawn = 0
        self._last = float("-inf")

    def __call__(self, kind: str, info: Progress) -> None:
        if info.epoch != 1 or info.record is not None:
            return
        self.points.setdefault(kind, []).append((info.batch, info.loss))
        now = self.clock()
        if now - self._last < self.redraw_seconds and info.batch < info.batches:
            return
        self._last = now
        self.drawn += 1  # each drawing gets its own key: one placeholder, redrawn within one run
        self.where.plotly_chart(batch_curve(self.points, info.batches), key=f"live.batch.{self.drawn}",
                                config=CHART_CONFIG)
