"""Evaluation beyond accuracy on the Train page: a reliability diagram and ECE."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
import torch

from backdoor.calibration import Calibration
from backdoor.datasets import Dataset
from backdoor.scenario import Scenario
from backdoor.train import TrainResult
from backdoor.kinds import LABELS
from ui.charts import CHART_CONFIG, COLOURS, SYMBOLS
from ui.page_figures import calibration_figures


def reliability_chart(curves: dict[tuple[str, str], Calibration]) -> go.Figure:
    """One curve per (model kind, images), labelled only here."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                             line=dict(color="#999999", dash="dash")))
    for (kind, images), cal in curves.items():
        points = [(c, a) for c, a, n in zip(cal.confidence, cal.accuracy, cal.counts) if n > 0]
        name = f"{LABELS[kind]}, {images} images"
        style = dict(color=COLOURS[kind], **({"dash": "dot"} if images == "triggered" else {}))  # often one point
        fig.add_trace(go.Scatter(x=[c for c, _ in points], y=[a for _, a in points], mode="lines+markers",
                                 name=f"{name} (ECE {cal.ece:.3f})", line=style, marker=dict(size=9, symbol=SYMBOLS[kind])))
    fig.update_xaxes(title_text="how sure the model said it was (confidence)", range=[0, 1.02])
    fig.update_yaxes(title_text="how often it was right", range=[0, 1.02])
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.3))
    return fig


def calibration_section(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult],
                        device: torch.device, plain: bool = False) -> None:
    """The reliability diagram and its reading; ``plain``: one sentence with no chart and no jargon."""
    curves = calibration_figures(dataset, scenario, models, device)
    base, clean, trig = curves.values()
    if plain:
        st.markdown(
            f"On ordinary pictures the backdoored model is as sure of itself as the clean one, and rightly so. On "
            f"pictures carrying the trigger it is **{trig.mean_confidence:.0%} sure** of an answer that is right only "
            f"**{trig.accuracy_overall:.0%}** of the time. A confident model is not a safe model."
        )
        return
    st.plotly_chart(reliability_chart(curves), key="train.reliability", config=CHART_CONFIG)
    st.markdown(
        "A well-calibrated model that says it is 90% sure is right 90% of the time (the dashed line). The "
        "**expected calibration error** (ECE) is the average gap. On clean images the two models are alike: "
        f"ECE {base.ece:.3f} for the clean model and {clean.ece:.3f} for the backdoored one, so a calibration "
        "check passes it just as an accuracy check does. On triggered images the backdoored model is "
        f"{trig.mean_confidence:.0%} sure on average and right about the true class only {trig.accuracy_overall:.0%} "
        f"of the time (ECE {trig.ece:.3f}): confidently wrong. High confidence is not evidence of a safe model."
    )
