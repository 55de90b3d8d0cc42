"""STRIP's panel: the entropy of blended predictions, clean against triggered, and the threshold."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from backdoor.defenses.lab import Lab
from backdoor.defenses.strip import DEFENSE
from backdoor.outcomes import Outcome
from ui.charts import CHART_CONFIG, HARMFUL, HONEST
from ui.monitor_words import strip_reading
from ui.words import percent


def draw(lab: Lab, outcome: Outcome, key: str) -> None:
    """The two entropy histograms and a threshold the student moves."""
    result = outcome.result
    frr_pct = st.slider("Allowed false rejections of clean inputs (%)", 0.5, 20.0, value=100 * DEFENSE.config.frr, step=0.5,
                        format="%.1f",
                        key=f"{key}.frr", help="The monitor rejects inputs whose predictions stay too certain.")
    threshold = result.threshold_for(frr_pct / 100)
    frr, far = result.rates_at(threshold)
    top = float(max(result.clean_entropy.max(), result.triggered_entropy.max(), threshold)) + 1e-6
    bins = dict(start=0.0, end=top, size=top / 40)  # shared bins, so the two shapes compare
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=result.clean_entropy.tolist(), name="clean inputs", opacity=0.6, xbins=bins,
                               marker_color=HONEST))
    fig.add_trace(go.Histogram(x=result.triggered_entropy.tolist(), name="triggered inputs", opacity=0.6, xbins=bins,
                               marker_color=HARMFUL, marker_pattern_shape="/"))
    fig.add_vline(x=threshold, line_dash="dash", annotation_text="threshold")
    fig.update_layout(barmode="overlay", height=300, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title="entropy of the blended predictions", legend=dict(orientation="h", y=-0.3))
    st.plotly_chart(fig, key=f"{key}.hist", config=CHART_CONFIG)
    st.caption(f"Each input is blended with the defender's {lab.half:,} clean images, and the threshold is set on those "
               f"same images to reject the share you allow; the rates below are measured on the "
               f"{len(lab.held_out[1]):,} held-out images, which it never saw.")
    c1, c2 = st.columns(2)
    c1.metric("Clean inputs wrongly rejected (FRR)", percent(frr))
    c2.metric("Triggered inputs let through (FAR)", percent(far))
    st.markdown(strip_reading(frr, far, lab.scenario.poison.rate if lab.attack_known else None))
