"""ANP's panel: every neuron's learnt mask, lowest first, the pruned ones marked, and the figures after."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from backdoor.defenses.lab import Lab
from backdoor.outcomes import Outcome
from ui.charts import CHART_CONFIG, HARMFUL, NEUTRAL
from ui.panels import generic
from ui.words import count_of, percent


def draw(lab: Lab, outcome: Outcome, key: str) -> None:
    """The masks as a sorted bar chart (pruned bars hatched and named in the legend, not told by colour
    alone), what they mean, and the held-out figures after pruning."""
    result = outcome.result
    pruned = {(n.layer, n.index) for n in result.pruned}
    fig = go.Figure()
    for cut in (True, False):
        rank = [k for k, n in enumerate(result.neurons) if ((n.layer, n.index) in pruned) == cut]
        fig.add_trace(go.Bar(
            x=rank, y=[result.neurons[k].mask for k in rank],
            name="pruned (mask below the threshold)" if cut else "kept",
            marker_pattern_shape="/" if cut else "", marker_color=HARMFUL if cut else NEUTRAL,
            hovertext=[f"{result.neurons[k].layer}, neuron {result.neurons[k].index}" for k in rank]))
    fig.add_hline(y=result.threshold, line_dash="dash", annotation_text=f"threshold {result.threshold:g}")
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), bargap=0,
                      xaxis_title="neurons, lowest mask first", yaxis_title="mask (1 = kept whole)",
                      yaxis_range=[0, 1.05], legend=dict(orientation="h", y=-0.3))
    st.plotly_chart(fig, key=f"{key}.masks", config=CHART_CONFIG)
    st.caption(
        f"Each bar is one of the model's {len(result.neurons):,} neurons (inner units). Its mask was learnt on the "
        f"defender's {lab.half:,} clean images while every neuron's weights were shaken by up to {percent(result.eps)} in "
        "the direction that hurt most: a mask near 1 means the model needs that neuron whole, a low mask means shaking it broke the "
        "answers, so ANP switched it off."
    )
    st.markdown(
        f"ANP pruned **{count_of(len(result.pruned), 'neuron')}** ({percent(result.pruned_fraction)} of them), those "
        f"whose masks fell below {result.threshold:g}. Fine-Pruning cuts the neurons clean images leave *quiet*; ANP "
        "cuts the *fragile* ones, whatever their activity. A neuron that only the trigger wakes is silent on clean "
        "images, so shaking it changes nothing there: ANP cannot see it, and when the backdoor lives in such "
        "neurons the trigger keeps working after the cut."
    )
    generic(lab, outcome, key)
