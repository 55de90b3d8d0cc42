"""Anti-Backdoor Learning's panel: the per-sample loss histogram after isolation, the isolated set, and
what the unlearning did to the attack."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import streamlit as st
import torch

from backdoor.defenses.common import detection_score
from backdoor.defenses.lab import Lab
from backdoor.outcomes import Outcome
from ui.charts import CHART_CONFIG, HARMFUL, HONEST
from ui.words import count_of, percent, points_lost, points_phrase

FLOOR = 1e-8  # losses are drawn on a log scale; an exact 0 sits at this floor


def _log_losses(losses: torch.Tensor) -> list[float]:
    return torch.log10(losses.clamp_min(FLOOR)).tolist()


def draw(lab: Lab, outcome: Outcome, key: str) -> None:
    """The two loss histograms with the isolation cut, the isolated count, then ASR before and after unlearning."""
    result = outcome.result
    poisoned = lab.poisoned.poisoned_mask
    score = detection_score(result.isolated, poisoned)  # the lab knows the poison; the defense never did
    cut = float(result.losses[result.isolated].max())
    low, high = min(_log_losses(result.losses)), max(_log_losses(result.losses))
    bins = dict(start=low, end=high + 1e-6, size=max(high - low, 1e-6) / 50)  # shared bins, so the shapes compare
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=_log_losses(result.losses[~poisoned]), name="clean training images", opacity=0.6,
                               xbins=bins, marker_color=HONEST))
    fig.add_trace(go.Histogram(x=_log_losses(result.losses[poisoned]), name="poisoned training images (known to the lab)",
                               opacity=0.6, xbins=bins, marker_color=HARMFUL, marker_pattern_shape="/"))
    fig.add_vline(x=math.log10(max(cut, FLOOR)), line_dash="dash", annotation_text="set aside below this",
                  annotation_position="top left")  # on the side of the few set aside, clear of the clean spike
    fig.update_layout(barmode="overlay", height=300, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title="loss, log10 (left = learned faster)",
                      yaxis_title="training images (log scale)", yaxis_type="log",
                      legend=dict(orientation="h", y=-0.3))
    st.plotly_chart(fig, key=f"{key}.losses", config=CHART_CONFIG)
    st.caption(
        "Each training image's loss after the first epochs of training, when ordinary images are held near the "
        "same loss on purpose. Poisoned images (hatched) that sit left of the clean ones were learned faster, "
        "so the cut catches them. The count axis is logarithmic, so a bar of a few images still shows. ABL never "
        "sees which images are poisoned: it sets aside the lowest losses only."
    )
    clean_isolated = score.flagged - score.true_positives
    c1, c2 = st.columns(2)
    c1.metric("Training images set aside", f"{score.flagged:,}")
    c1.caption(f"The {percent(score.flagged / max(len(poisoned), 1))} of the {len(poisoned):,} training images with "
               "the lowest loss (the defender's guess of the poisoned share).")
    c2.metric("Of them really poisoned", f"{score.true_positives:,}")
    c2.caption(f"{count_of(score.true_positives, 'poisoned image')} out of {lab.poisoned.num_poisoned:,} in the "
               f"training set, and {count_of(clean_isolated, 'clean image')} set aside by mistake.")
    before, after, trained = lab.evaluate(lab.model), result.after_unlearning, result.before_unlearning
    c1, c2, c3 = st.columns(3)
    c1.metric("Attack success, trained on the rest", percent(trained.asr))
    c1.caption("Before unlearning: the model after training on every image except those set aside.")
    c2.metric("Attack success after unlearning", percent(after.asr))
    c2.caption("After the model was made to forget the labels of the images set aside.")
    c3.metric("Clean accuracy after unlearning", percent(after.clean_acc))
    c3.caption(f"{points_phrase(points_lost(before.clean_acc, after.clean_acc))} against the backdoored model "
               f"({percent(before.clean_acc)}).")
    st.markdown(
        f"Every figure is on the {len(lab.held_out[1]):,} held-out test images. Trained on the rest, the model "
        f"let the trigger through on {percent(trained.asr)} of triggered images; after unlearning on "
        f"{percent(after.asr)}, where the backdoored model had {percent(before.asr)}. Took {outcome.seconds:.1f} s."
    )
