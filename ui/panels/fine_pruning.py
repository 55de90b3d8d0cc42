"""Fine-Pruning's panel: the pruning curve, where it stopped, and the figures after."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from backdoor.defenses.fine_pruning import PruningPoint
from backdoor.defenses.lab import Lab
from backdoor.outcomes import Outcome
from ui.charts import CHART_CONFIG
from ui.words import count_of, percent


def pruned_words(curve: list[PruningPoint], pruned: int, fraction: float) -> str:
    """How far pruning went and why it stopped, true whether the budget or the largest share it may prune
    stopped it. ``curve``: every share tried on the defender's images (the last one broke the budget when it lies
    beyond the share kept)."""
    on_budget = curve[-1].fraction > fraction
    if pruned == 0:
        return ("Pruned no channel: removing even the quietest ones cost more clean accuracy than the budget allows."
                if on_budget else "Pruned no channel.")
    head = f"Pruned **{count_of(pruned, 'quiet channel')}** ({percent(fraction)})"
    return (f"{head}, the most it could before clean accuracy fell beyond the budget." if on_budget else
            f"{head}, the most it ever prunes, and clean accuracy stayed within the budget.")


def draw(lab: Lab, outcome: Outcome, key: str) -> None:
    """The pruning curve on the defender's images, then the figures after pruning and fine-tuning."""
    result = outcome.result
    xs = [100 * p.fraction for p in result.curve]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xs, y=[100 * p.clean_acc for p in result.curve], name="clean accuracy", mode="lines+markers"))
    fig.add_trace(go.Scatter(x=xs, y=[100 * p.asr for p in result.curve], name="attack success", mode="lines+markers"))
    fig.add_vline(x=100 * result.pruned_fraction, line_dash="dash", annotation_text="stopped here")
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="channels pruned (%)",
                      yaxis_title="%", yaxis_range=[0, 101], legend=dict(orientation="h", y=-0.3))
    st.plotly_chart(fig, key=f"{key}.curve", config=CHART_CONFIG)
    start, before = result.curve[0], lab.evaluate(lab.model)
    st.caption(
        f"The curve is measured on the defender's {lab.half:,} clean images, the only ones pruning may look at: "
        f"there the model starts at {percent(start.clean_acc)} clean accuracy and {percent(start.asr)} attack "
        f"success. On the {len(lab.held_out[1]):,} held-out images every page uses it starts at "
        f"{percent(before.clean_acc)} and {percent(before.asr)}; the figures after pruning and fine-tuning below "
        "are on those held-out images."
    )
    st.markdown(
        f"{pruned_words(result.curve, len(result.pruned_channels), result.pruned_fraction)} After pruning: clean "
        f"{percent(result.after_pruning.clean_acc)}, attack "
        f"success {percent(result.after_pruning.asr)}. After fine-tuning: clean "
        f"{percent(result.after_fine_tuning.clean_acc)}, attack success {percent(result.after_fine_tuning.asr)}."
    )
