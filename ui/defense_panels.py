"""The result panel of each defense on the Defend page: a registry from name to drawer."""

from __future__ import annotations

import hashlib
import time
import uuid

import plotly.graph_objects as go
import streamlit as st
import torch

from backdoor.defenses.neural_cleanse import signed_anomaly_index
from backdoor.defenses.runs import DEFAULT_CONFIGS, Lab, outcome, retrain_without
from backdoor.outcomes import Outcome
from ui.charts import CHART_CONFIG, image_strip
from ui.words import metric_delta, points_lost, points_phrase


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def detection_panel(lab: Lab, result, key: str) -> None:
    """Activation Clustering and Spectral Signatures: flagged samples, verdicts, scores."""
    score = result.score(lab.poisoned.poisoned_mask)
    truth = lab.poisoned.num_poisoned
    c1, c2, c3 = st.columns(3)
    c1.metric("Flagged samples", f"{score.flagged:,}")
    c2.metric("Precision", _percent(score.precision))
    c3.metric("Recall", _percent(score.recall))
    suspects = ", ".join(f"'{lab.dataset.classes[c]}'" for c in result.suspect_classes) or "none"
    st.markdown(
        f"Suspect classes: **{suspects}**. Of the {score.flagged:,} flagged training images, "
        f"**{score.true_positives:,}** really were poisoned (precision {_percent(score.precision)}); they catch "
        f"{score.true_positives:,} of the {truth:,} poisoned images (recall {_percent(score.recall)}, "
        f"F1 {score.f1:.2f}). Took {result.seconds:.1f} s."
    )
    has_silhouette = any(v.silhouette == v.silhouette for v in result.classes)  # NaN: the method computes none
    rows = [{"class": lab.dataset.classes[v.label], "images": v.size, "separation": round(v.separation, 1),
             **({"silhouette": None if v.silhouette != v.silhouette else round(v.silhouette, 2)} if has_silhouette else {}),
             "verdict": "poisoned" if v.poisoned else "clean", "flagged": v.flagged} for v in result.classes]
    st.dataframe(rows, hide_index=True)
    st.caption("Separation: how far apart the class's two groups are (about 4-7 for an ordinary class)."
               + (" Silhouette: the paper's cluster-quality score, from -1 to 1." if has_silhouette else ""))
    flagged = torch.nonzero(result.flags).flatten()[:10].tolist()
    if flagged:
        image_strip([lab.poisoned.x[i] for i in flagged],
                    ["poisoned" if lab.poisoned.poisoned_mask[i] else "clean (false alarm)" for i in flagged])
    retrained = st.session_state.get(_retrained_key(lab, key))
    if st.button("Remove the flagged samples and retrain", key=f"btn.{key}.retrain", disabled=not flagged):
        bar = st.progress(0.0, text="Retraining without the flagged samples...")
        start = time.perf_counter()
        model, after = retrain_without(lab, result.flags, lambda d, t, info: bar.progress(d / t, text=f"Retraining: epoch {info.epoch}"))
        bar.empty()
        st.session_state[_retrained_key(lab, key)] = retrained = {"model": model, "after": after}
        record_outcome(lab, key, outcome(lab, key, result, after, result.seconds + time.perf_counter() - start))
    if retrained:
        after = retrained["after"]
        before = lab.evaluate(lab.model)
        st.success(f"Retrained without the {score.flagged:,} flagged images: clean accuracy {_percent(after.clean_acc)} "
                   f"({points_phrase(points_lost(before.clean_acc, after.clean_acc))}), attack success "
                   f"{_percent(after.asr)} (it was {_percent(before.asr)}).")


def neural_cleanse_panel(lab: Lab, result, key: str) -> None:
    detection = result["detection"]
    classes = lab.dataset.classes
    threshold = DEFAULT_CONFIGS["neural_cleanse"].threshold
    flagged = ", ".join(f"'{classes[c]}'" for c in detection.flagged) or "none"
    # The rule as the library applies it: a class is flagged when its trigger is smaller than the
    # median by more than `threshold` MADs, so the chart signs each class's anomaly index by side.
    signed = signed_anomaly_index(detection.mask_norms).tolist()
    fig = go.Figure(go.Bar(x=list(classes), y=signed,
                           marker_color=["#d62728" if i in detection.flagged else "#7f7f7f" for i in range(len(classes))]))
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
    elif lab.scenario.all_to_all:
        truth = "the attack is all-to-all, so every class is a target and none stands out"
    else:
        truth = f"the real target is '{classes[target]}', at {signed[target]:+.1f}"
    st.markdown(
        f"Flagged: **{flagged}** ({truth}). Searching all {len(classes)} classes took {detection.seconds:.1f} s."
    )
    beside = "the real one" if lab.attack_known else "the lab's current trigger, for comparison"
    st.markdown(f"**Reverse-engineered trigger for every class** (mask x pattern), beside {beside}:")
    real = lab.scenario.stamp(torch.zeros(1, *lab.dataset.image_shape))[0]
    image_strip([real] + [detection.masks[k][None] * detection.patterns[k] for k in range(len(classes))],
                ["real trigger" if lab.attack_known else "the lab's trigger"]
                + [f"'{classes[k]}': {float(detection.mask_norms[k]):.0f} px" for k in range(len(classes))])
    st.caption("Each picture is the smallest change the search found that turns clean images into that class; "
               "the number is its size in pixels (mask L1 norm).")
    unlearning_panel(lab, result, detection.flagged or [int(detection.mask_norms.argmin())])


def unlearning_panel(lab: Lab, result, suspects: list[int]) -> None:
    """Neural Cleanse's repair, apart from its search: what unlearning did to the model."""
    before, after = lab.evaluate(lab.model), lab.evaluate(result["model"])
    names = ", ".join(f"'{lab.dataset.classes[k]}'" for k in suspects)
    config = DEFAULT_CONFIGS["neural_cleanse"]
    with st.container(border=True):
        st.markdown("**The repair: unlearning**")
        c1, c2 = st.columns(2)
        c1.metric("Clean accuracy after unlearning", _percent(after.clean_acc),
                  **metric_delta(before.clean_acc, after.clean_acc))
        c2.metric("Attack success after unlearning", _percent(after.asr),
                  **metric_delta(before.asr, after.asr, higher_is_better=False, words=("higher", "lower")))
        shifted = (" (each image moved by up to two pixels, so the model forgets the trigger wherever it sits)"
                   if config.unlearn_augment else "")
        why = ("" if result["detection"].flagged else
               " No class was flagged, so it unlearned the class with the smallest trigger anyway, as a defender "
               "who must act would.")
        st.markdown(
            f"It stamped the reversed trigger of {names} on {config.unlearn_fraction:.0%} of the defender's {lab.half:,} "
            f"clean images, kept their true labels and fine-tuned{shifted}, then searched again, up to {config.unlearn_rounds} "
            f"rounds while a small trigger remained.{why} "
            f"Measured on the {len(lab.held_out[1]):,} held-out test images: attack success {_percent(before.asr)} "
            f"before, {_percent(after.asr)} after; clean accuracy "
            f"{points_phrase(points_lost(before.clean_acc, after.clean_acc))}."
        )


def fine_pruning_panel(lab: Lab, result, key: str) -> None:
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
        f"there the model starts at {_percent(start.clean_acc)} clean accuracy and {_percent(start.asr)} attack "
        f"success. On the {len(lab.held_out[1]):,} held-out images every page uses it starts at "
        f"{_percent(before.clean_acc)} and {_percent(before.asr)}; the figures after pruning and fine-tuning below "
        "are on those held-out images."
    )
    st.markdown(
        f"Pruned **{len(result.pruned_channels)}** quiet channels ({_percent(result.pruned_fraction)}) before clean "
        f"accuracy fell beyond the budget. After pruning: clean {_percent(result.after_pruning.clean_acc)}, attack "
        f"success {_percent(result.after_pruning.asr)}. After fine-tuning: clean "
        f"{_percent(result.after_fine_tuning.clean_acc)}, attack success {_percent(result.after_fine_tuning.asr)}."
    )


def strip_panel(lab: Lab, result, key: str) -> None:
    frr_pct = st.slider("Allowed false rejections of clean inputs (%)", 0.5, 20.0, value=100 * 0.05, step=0.5,
                        key=f"{key}.frr", help="The monitor rejects inputs whose predictions stay too certain.")
    threshold = result.threshold_for(frr_pct / 100)
    frr, far = result.rates_at(threshold)
    top = float(max(result.clean_entropy.max(), result.triggered_entropy.max(), threshold)) + 1e-6
    bins = dict(start=0.0, end=top, size=top / 40)  # shared bins, so the two shapes compare
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=result.clean_entropy.tolist(), name="clean inputs", opacity=0.6, xbins=bins,
                               marker_color="#1f77b4"))
    fig.add_trace(go.Histogram(x=result.triggered_entropy.tolist(), name="triggered inputs", opacity=0.6, xbins=bins,
                               marker_color="#d62728"))
    fig.add_vline(x=threshold, line_dash="dash", annotation_text="threshold")
    fig.update_layout(barmode="overlay", height=300, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title="entropy of the blended predictions", legend=dict(orientation="h", y=-0.3))
    st.plotly_chart(fig, key=f"{key}.hist", config=CHART_CONFIG)
    st.caption(f"The threshold is set on the defender's {lab.half:,} clean images to reject the share you allow; "
               f"the rates below are measured on the {len(lab.held_out[1]):,} held-out images, which it never saw.")
    c1, c2 = st.columns(2)
    c1.metric("Clean inputs wrongly rejected (FRR)", _percent(frr))
    c2.metric("Triggered inputs let through (FAR)", _percent(far))
    st.markdown(
        f"As a monitor in front of the deployed model: at this threshold it turns away {_percent(frr)} of ordinary "
        f"requests and lets through {_percent(far)} of the attacker's triggered ones (it catches {_percent(1 - far)}). "
        "Triggered inputs pile up at the far left: whatever clean image is blended in, the model keeps "
        "answering the target class with near certainty."
    )


def compression_panel(lab: Lab, result, key: str) -> None:
    rows = [{"setting": r.setting, "weights zero": _percent(r.sparsity), "clean accuracy": _percent(r.clean_acc),
             "attack success": _percent(r.asr)} for r in result.rows]
    st.dataframe(rows, hide_index=True)
    survived = [r for r in result.rows if r.asr > 0.5 and r.setting != "original"]
    st.markdown(
        f"The backdoor survived {len(survived)} of the {len(result.rows) - 1} compressed versions "
        "(attack success above 50%). Compression keeps what the model relies on, and it relies on the trigger."
    )


PANELS = {
    "activation_clustering": detection_panel,
    "spectral_signatures": detection_panel,
    "neural_cleanse": neural_cleanse_panel,
    "fine_pruning": fine_pruning_panel,
    "strip": strip_panel,
    "compression": compression_panel,
}


def _retrained_key(lab: Lab, name: str) -> str:
    """Where the model retrained without this defense's flags is kept: one per model, so
    changing the settings never shows another model's retraining."""
    return f"{name}.retrained.{hashlib.sha256(lab.model_id.encode()).hexdigest()[:16]}"


def repaired_model(lab: Lab, name: str, result):
    """The new model a defense produced (None for defenses that only inspect or screen)."""
    if name == "neural_cleanse":
        return result["model"]
    if name == "fine_pruning":
        return result.model
    if name in ("activation_clustering", "spectral_signatures"):
        retrained = st.session_state.get(_retrained_key(lab, name))
        return retrained["model"] if retrained else None
    return None


def attention_before_after(lab: Lab, name: str, result) -> None:
    """Trigger share and lift (Integrated Gradients) of the model before and after the repair."""
    from ui.explain import triggered_share

    repaired = repaired_model(lab, name, result)
    if repaired is None:
        return
    share, lift = triggered_share(lab.model_id, lab.model, lab.dataset, lab.scenario)
    # A repaired model is new and private to this session: tag it once with a unique cache id.
    if not hasattr(repaired, "lab_run_id"):
        repaired.lab_run_id = uuid.uuid4().hex
    after_share, after_lift = triggered_share(repaired.lab_run_id, repaired, lab.dataset, lab.scenario)
    st.markdown(
        f"**Where the model looks on triggered images** (Integrated Gradients, 32 images): before the repair "
        f"{share:.0%} of its attribution was on the trigger ({lift:.0f}x its area); after, **{after_share:.0%}** "
        f"({after_lift:.1f}x)."
    )


def record_outcome(lab: Lab, name: str, result: Outcome | None) -> None:
    """Add (or replace) this defense's row in the session's summary (nothing for a study that repairs nothing)."""
    if result is not None:
        st.session_state.setdefault("defend.summary", {})[(lab.model_id, name)] = result


def outcomes_for(lab: Lab) -> list[Outcome]:
    """Every defense run on this model in this session, in registry order."""
    from backdoor.defenses.registry import DEFENSES

    summary = st.session_state.get("defend.summary", {})
    return [summary[(lab.model_id, name)] for name in DEFENSES if (lab.model_id, name) in summary]
