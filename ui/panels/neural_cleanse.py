"""Neural Cleanse's panel: each class's anomaly index, its reversed trigger, and the unlearning."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
import torch

from backdoor.defenses.lab import Lab
from backdoor.defenses.neural_cleanse import DEFENSE
from backdoor.defenses.trigger_search import signed_anomaly_index
from backdoor.outcomes import Outcome
from ui.charts import CHART_CONFIG, HARMFUL, NEUTRAL, image_strip
from ui.words import class_list, metric_delta, percent, points_lost, points_phrase


def draw(lab: Lab, outcome: Outcome, key: str) -> None:
    """The anomaly index of every class, the reversed triggers, then the repair."""
    detection = outcome.result
    classes = lab.dataset.classes
    threshold = DEFENSE.config.threshold
    flagged = class_list(classes, detection.flagged) or "none"
    # The rule as the library applies it: a class is flagged when its trigger is smaller than the
    # median by more than `threshold` MADs, so the chart signs each class's anomaly index by side.
    signed = signed_anomaly_index(detection.mask_norms).tolist()
    fig = go.Figure(go.Bar(x=list(classes), y=signed,
                           marker_color=[HARMFUL if i in detection.flagged else NEUTRAL for i in range(len(classes))],
                           marker_pattern_shape=["/" if i in detection.flagged else "" for i in range(len(classes))]))
    fig.add_hline(y=-threshold, line_dash="dash", annotation_text=f"flagged below -{threshold:g}",
                  annotation_position="bottom right")
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=10, b=10),
                      yaxis_title="anomaly index (- = smaller)")
    fig.update_xaxes(type="category")
    st.plotly_chart(fig, key=f"{key}.anomaly", config=CHART_CONFIG)
    st.caption(f"How far each class's reversed trigger is from the median size, in median absolute deviations: "
               f"below zero smaller than usual, above zero larger. Only a suspiciously small trigger means a backdoor, "
               f"so a class is flagged when it lies below -{threshold:g}; a large one above +{threshold:g} is not.")
    target = lab.scenario.target
    if not lab.attack_known:
        truth = "nobody here knows this model's real target: the search needed no trigger to find these"
    elif lab.scenario.poison.rate <= 0:
        truth = "nothing was poisoned, so no class is a real target"
    elif lab.scenario.all_to_all:
        truth = "the attack is all-to-all, so every class is a target and none stands out"
    else:
        truth = f"the real target is '{classes[target]}', at {round(float(signed[target]), 1) + 0.0:+.1f}"  # never -0.0
    st.markdown(
        f"Flagged: **{flagged}** ({truth}). Searching all {len(classes)} classes took {detection.seconds:.1f} s."
    )
    beside = "the real one" if lab.attack_known else "the lab's current trigger, for comparison"
    st.markdown(f"**Reverse-engineered trigger for every class** (mask x pattern), beside {beside}:")
    real, named = trigger_picture(lab, "real trigger" if lab.attack_known else "the lab's trigger")
    image_strip([real] + [detection.masks[k][None] * detection.patterns[k] for k in range(len(classes))],
                [named] + [f"'{classes[k]}': {float(detection.mask_norms[k]):.0f} px" for k in range(len(classes))])
    st.caption("Each picture is the smallest change the search found that turns clean images into that class; "
               "the number is its size in pixels (mask L1 norm).")
    unlearning_panel(lab, outcome, detection.flagged or [int(detection.mask_norms.argmin())])


def trigger_picture(lab: Lab, named: str) -> tuple[torch.Tensor, str]:
    """The picture of the trigger beside the reversed ones, and its caption: what it adds on black, or, when it
    adds nothing there (a warp, black ink), what it changes in one test image, brightened to be seen."""
    real = real_trigger(lab)
    if real is not None:
        return real, named
    real = moved_pixels(lab)
    return real, f"{named} ({'what it changes in one picture' if bool(real.any()) else 'it changes no pixel here'})"


def real_trigger(lab: Lab) -> torch.Tensor | None:
    """The trigger on a black image: what it adds (a patch, a blend, stripes); None when it adds nothing."""
    real = lab.scenario.stamp(torch.zeros(1, *lab.dataset.image_shape))[0]
    return real if bool(real.any()) else None


def moved_pixels(lab: Lab) -> torch.Tensor:
    """How much the trigger changes each pixel of the first held-out image, scaled so the largest change is white."""
    x = lab.held_out[0][:1]
    objects = lab.dataset.held_out_objects
    change = (lab.scenario.stamp(x, None if objects is None else objects[:1]) - x).abs()[0]
    return change / change.max() if bool(change.any()) else change


def unlearning_panel(lab: Lab, outcome: Outcome, suspects: list[int]) -> None:
    """Neural Cleanse's repair, apart from its search: what unlearning did to the model."""
    before, after = lab.evaluate(lab.model), outcome.after
    names = class_list(lab.dataset.classes, suspects)
    config = DEFENSE.config
    with st.container(border=True):
        st.markdown("**The repair: unlearning**")
        c1, c2 = st.columns(2)
        c1.metric("Clean accuracy after unlearning", percent(after.clean_acc),
                  **metric_delta(before.clean_acc, after.clean_acc))
        c2.metric("Attack success after unlearning", percent(after.asr),
                  **metric_delta(before.asr, after.asr, higher_is_better=False, words=("higher", "lower")))
        shifted = (" (each image moved by up to two pixels, so the model forgets the trigger wherever it sits)"
                   if config.unlearn_augment else "")
        why = ("" if outcome.result.flagged else
               " No class was flagged, so it unlearned the class with the smallest trigger anyway, as a defender "
               "who must act would.")
        st.markdown(
            f"It stamped the reversed trigger of {names} on {config.unlearn_fraction:.0%} of the defender's {lab.half:,} "
            f"clean images, kept their true labels and fine-tuned{shifted}, then searched again, up to {config.unlearn_rounds} "
            f"rounds while a small trigger remained.{why} "
            f"Measured on the {len(lab.held_out[1]):,} held-out test images: attack success {percent(before.asr)} "
            f"before, {percent(after.asr)} after; clean accuracy: "
            f"{points_phrase(points_lost(before.clean_acc, after.clean_acc))}."
        )
