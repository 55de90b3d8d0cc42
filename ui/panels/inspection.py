"""The panel of any data inspection (a defense that flags training images): what it flagged,
how that matches the known poison, and its action, retraining without the flagged images."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import streamlit as st
import torch

from backdoor.defenses.lab import Lab, retrain_without
from backdoor.outcomes import Outcome
from ui.charts import image_strip
from ui.defense_session import keep_retrained, record_outcome, retrained_for
from ui.progress import ProgressBar
from ui.inspection_words import flags_sentence, retrained_sentence
from ui.words import class_list, percent


def draw(lab: Lab, outcome: Outcome, key: str) -> None:
    """Flagged samples, verdicts per class, scores against the known poison, and the retraining."""
    result = outcome.result
    score = result.score(lab.poisoned.poisoned_mask)
    truth = lab.poisoned.num_poisoned
    c1, c2, c3 = st.columns(3)
    c1.metric("Flagged samples", f"{score.flagged:,}")
    c2.metric("Precision", percent(score.precision) if score.flagged else "none flagged")
    c3.metric("Recall", percent(score.recall) if truth else "none poisoned")
    suspects = class_list(lab.dataset.classes, result.suspect_classes) or "none"
    st.markdown(f"Suspect classes: **{suspects}**. {flags_sentence(score.flagged, score.true_positives, truth)} "
                f"Took {result.seconds:.1f} s.")
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
    retrained = retrained_for(lab, key)
    if st.button("Remove the flagged samples and retrain", key=f"btn.{key}.retrain", disabled=not flagged):
        bar = ProgressBar("Retraining without the flagged samples...")
        start = time.perf_counter()
        model, after = retrain_without(lab, result.flags, lambda d, t, info: bar(d, t, f"Retraining: epoch {info.epoch}"))
        bar.empty()
        retrained = replace(outcome, model=model, after=after, seconds=outcome.seconds + time.perf_counter() - start,
                            run_id=uuid.uuid4().hex)
        keep_retrained(lab, key, retrained)
        record_outcome(lab, key, retrained)
    if retrained:
        after = retrained.after
        before = lab.evaluate(lab.model)
        st.success(retrained_sentence(score.flagged, before, after, poisoned=truth > 0))
