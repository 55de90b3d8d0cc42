"""The result panel of each defense on the Defend page: a registry from name to drawer."""

from __future__ import annotations

import uuid

import plotly.graph_objects as go
import streamlit as st
import torch

from backdoor.defenses.runs import Lab, retrain_without
from ui.charts import to_display


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
    rows = [{"class": lab.dataset.classes[v.label], "images": v.size, "separation": round(v.separation, 1),
             "silhouette": None if v.silhouette != v.silhouette else round(v.silhouette, 2),
             "verdict": "poisoned" if v.poisoned else "clean", "flagged": v.flagged} for v in result.classes]
    st.dataframe(rows, hide_index=True)
    st.caption("Separation: how far apart the class's two groups are (about 4-7 for an ordinary class). "
               "Silhouette: the paper's cluster-quality score, from -1 to 1.")
    flagged = torch.nonzero(result.flags).flatten()[:10].tolist()
    if flagged:
        cols = st.columns(len(flagged))
        for col, i in zip(cols, flagged):
            really = "poisoned" if lab.poisoned.poisoned_mask[i] else "clean (false alarm)"
            col.image(to_display(lab.poisoned.x[i]), caption=really, width="stretch")
    retrained = st.session_state.get(f"{key}.retrained")
    if st.button("Remove the flagged samples and retrain", key=f"btn.{key}.retrain", disabled=not flagged):
        bar = st.progress(0.0, text="Retraining without the flagged samples...")
        model, after = retrain_without(lab, result.flags, lambda d, t, info: bar.progress(d / t, text=f"Retraining: epoch {info.epoch}"))
        bar.empty()
        st.session_state[f"{key}.retrained"] = retrained = {"model": model, "after": after}
        record_summary(key, lab, after, result.seconds, "after removing the flagged samples and retraining")
    if retrained:
        after = retrained["after"]
        st.success(f"Retrained without the {score.flagged:,} flagged images: clean accuracy {_percent(after.clean_acc)}, "
                   f"attack success {_percent(after.asr)}.")


def neural_cleanse_panel(lab: Lab, result, key: str) -> None:
    detection = result["detection"]
    classes = lab.dataset.classes
    flagged = ", ".join(f"'{classes[c]}'" for c in detection.flagged) or "none"
    fig = go.Figure(go.Bar(x=list(classes), y=detection.anomaly_index.tolist(),
                           marker_color=["#d62728" if i in detection.flagged else "#7f7f7f" for i in range(len(classes))]))
    fig.add_hline(y=2.0, line_dash="dash", annotation_text="flag above 2")
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), yaxis_title="anomaly index")
    fig.update_xaxes(type="category")
    st.plotly_chart(fig, key=f"{key}.anomaly")
    target = lab.scenario.target
    if not lab.attack_known:
        truth = "nobody here knows this model's real target: the search needed no trigger to find these"
    elif lab.scenario.all_to_all:
        truth = "the attack is all-to-all, so every class is a target and none stands out"
    else:
        truth = f"the real target is '{classes[target]}', anomaly index {float(detection.anomaly_index[target]):.1f}"
    st.markdown(
        f"Flagged: **{flagged}** ({truth}). Searching all {len(classes)} classes took {detection.seconds:.1f} s."
    )
    beside = "the real one" if lab.attack_known else "the lab's current trigger, for comparison"
    st.markdown(f"**Reverse-engineered trigger for every class** (mask x pattern), beside {beside}:")
    real = lab.scenario.stamp(torch.zeros(1, *lab.dataset.image_shape))[0]
    cols = st.columns(len(classes) + 1)
    cols[0].image(to_display(real), caption="real trigger" if lab.attack_known else "the lab's trigger",
                  width="stretch")
    for k, col in enumerate(cols[1:]):
        picture = detection.masks[k][None] * detection.patterns[k]
        col.image(to_display(picture), caption=f"'{classes[k]}': {float(detection.mask_norms[k]):.0f} px", width="stretch")
    st.caption("Each picture is the smallest change the search found that turns clean images into that class; "
               "the number is its size in pixels (mask L1 norm).")


def fine_pruning_panel(lab: Lab, result, key: str) -> None:
    xs = [100 * p.fraction for p in result.curve]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xs, y=[100 * p.clean_acc for p in result.curve], name="clean accuracy", mode="lines+markers"))
    fig.add_trace(go.Scatter(x=xs, y=[100 * p.asr for p in result.curve], name="attack success", mode="lines+markers"))
    fig.add_vline(x=100 * result.pruned_fraction, line_dash="dash", annotation_text="stopped here")
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="channels pruned (%)",
                      yaxis_title="%", yaxis_range=[0, 101], legend=dict(orientation="h", y=-0.3))
    st.plotly_chart(fig, key=f"{key}.curve")
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
    st.plotly_chart(fig, key=f"{key}.hist")
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


AFTER = {  # what the "after" figures of each defense mean, for the summary table
    "neural_cleanse": "after unlearning the reversed trigger",
    "fine_pruning": "after pruning and fine-tuning",
    "strip": "served through the monitor (rejected inputs count as not served)",
    "compression": "int8 weights",
}

PANELS = {
    "activation_clustering": detection_panel,
    "spectral_signatures": detection_panel,
    "neural_cleanse": neural_cleanse_panel,
    "fine_pruning": fine_pruning_panel,
    "strip": strip_panel,
    "compression": compression_panel,
}


def repaired_model(name: str, result):
    """The new model a defense produced (None for defenses that only inspect or screen)."""
    if name == "neural_cleanse":
        return result["model"]
    if name == "fine_pruning":
        return result.model
    if name in ("activation_clustering", "spectral_signatures"):
        retrained = st.session_state.get(f"{name}.retrained")
        return retrained["model"] if retrained else None
    return None


def attention_before_after(lab: Lab, name: str, result) -> None:
    """Trigger share and lift (Integrated Gradients) of the model before and after the repair."""
    from ui.explain import triggered_share

    repaired = repaired_model(name, result)
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


def record_summary(name: str, lab: Lab, after, seconds: float, note: str) -> None:
    """Add (or replace) this defense's row in the session's summary table."""
    rows = st.session_state.setdefault("defend.summary", {})
    rows[(lab.model_id, name)] = {"after": after, "seconds": seconds, "note": note}
