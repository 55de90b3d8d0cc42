"""Do augmentation and mixup help against the backdoor, or hide it? Train and compare."""

from __future__ import annotations

import streamlit as st
import torch

from backdoor import estimates
from backdoor.datasets import Dataset
from backdoor.defenses.common import step_progress
from backdoor.scenario import Scenario, train_model, trigger_report
from backdoor.train_options import OPTIONS, variant
from ui.resources import model_key, trained_models
from ui.jobs import offer_job
from ui.waiting import MEASURING, busy_note, estimate_now, here


def compare_training_options(dataset: Dataset, scenario: Scenario, device: torch.device) -> None:
    memo = trained_models()
    keys = {name: model_key(variant(scenario, name), device, "backdoored") for name in OPTIONS}
    missing = [name for name, key in keys.items() if key not in memo]
    if missing:
        times = "once more" if len(missing) == 1 else f"{len(missing)} more times"
        def estimate() -> estimates.Estimate:
            return estimates.trainings(estimates.DataShape.of(dataset), [variant(scenario, n) for n in missing],
                                       device, measure_asr=True)

        known = estimate_now(estimate)
        cost = f", {here(known)}" if known else f"; {MEASURING}"
        st.caption(f"Trains the backdoored model {times} with the same poisoned data{cost}.{busy_note()}")

        def train_missing(bar) -> None:  # each into the server's memo of trained models
            for k, name in enumerate(missing):
                report = step_progress(bar, k, len(missing), f"{OPTIONS[name][0]} ({k + 1} of {len(missing)})")
                memo.get_or_compute(keys[name], lambda v=variant(scenario, name), r=report: train_model(dataset, v, device, r))

        offer_job("Compare the training options", "btn.train.options", "comparing training options", known or estimate,
                  train_missing, icon=":material/compare_arrows:")
        return
    rows = []
    for name, (title, _) in OPTIONS.items():
        figures = trigger_report(memo.get(keys[name]).model, dataset, variant(scenario, name))
        rows.append({"training": title, "clean accuracy": f"{figures['clean_acc']:.1%}",
                     "attack success": f"{figures['asr']:.1%}", "_asr": figures["asr"], "_acc": figures["clean_acc"]})
    st.dataframe([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows], hide_index=True)
    verdict = options_verdict(rows)
    st.markdown(verdict + " Techniques that make a model more robust to natural variation can also make a "
                "backdoor look weaker in a quick test without the model being any safer, so measure, do not assume.")


def options_verdict(rows: list[dict]) -> str:
    """Did any training option weaken the backdoor? ``rows``: plain training first, each with its
    attack success as "_asr" and as shown ("attack success")."""
    plain = rows[0]
    lowest = min(rows, key=lambda r: r["_asr"])
    if plain["_asr"] <= 0.5:
        verdict = (f"With plain training the trigger does not work here (attack success {plain['attack success']}), so "
                   "there is no working backdoor for these options to weaken.")
    elif lowest["_asr"] < plain["_asr"] - 0.1:
        verdict = (f"**{lowest['training']}** weakened this backdoor (attack success {plain['attack success']} -> "
                   f"{lowest['attack success']}), but did not remove it for free: check the clean accuracy too.")
    else:
        verdict = ("None of these options removed the backdoor: the attack succeeds about as often however the "
                   "model is trained. Good training hygiene is not a defense against poisoned data.")
    return verdict
