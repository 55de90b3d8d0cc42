"""Benchmark ``tabular``: the backdoor on the breast-cancer patient records, seeds 0, 1 and 2.

For each seed both MLPs are trained afresh (into an empty model store, so the seconds are real
training), measured in medical terms on the held-out records, explained, and put through every
control that fits a table. Targets (issue 20): attack success at least 90% at a poison rate of at
most 10%; clean accuracy within 2 points of the clean model; both models trained in at most 3 s.

    python -m benchmarks.tabular            # or: python -m benchmarks.run --only tabular
"""

from __future__ import annotations

import os
import tempfile
import time

import torch

from backdoor.datasets import load_dataset
from backdoor.tabular import defend, study, table_scenario, trigger_attribution
from backdoor.train import TrainConfig, train
from models import build_model

SEEDS = (0, 1, 2)
TARGET_ASR = 0.9
MAX_RATE = 0.1
MAX_DROP_POINTS = 2.0
MAX_TRAIN_SECONDS = 3.0


def _warm_up() -> float:
    """One short training in this process first: torch's first steps pay one-off set-up costs."""
    start = time.perf_counter()
    torch.manual_seed(0)
    train(build_model("mlp", (30,), 2), torch.randn(64, 30), torch.randint(0, 2, (64,)), TrainConfig(epochs=2))
    return time.perf_counter() - start


def tabular() -> dict:
    figures: dict = {"process_warm_up_seconds": round(_warm_up(), 2)}
    before = os.environ.get("BACKDOOR_LAB_STORE")
    with tempfile.TemporaryDirectory() as store:
        os.environ["BACKDOOR_LAB_STORE"] = store  # nothing from an earlier run: every model really trains
        try:
            for seed in SEEDS:
                figures.update(_one_seed(seed))
        finally:
            if before is None:
                os.environ.pop("BACKDOOR_LAB_STORE", None)
            else:
                os.environ["BACKDOOR_LAB_STORE"] = before
    return figures


def _one_seed(seed: int) -> dict:
    records = load_dataset("breast-cancer", seed=seed)
    scenario = table_scenario(seed=seed)
    table = study(records, scenario)
    bad, clean = table.figures["backdoored"], table.figures["baseline"]
    seconds = sum(r.seconds for r in table.models.values())
    drop = round(100 * (clean.clean_acc - bad.clean_acc), 1)
    met = (bad.asr >= TARGET_ASR and scenario.poison.rate <= MAX_RATE and drop <= MAX_DROP_POINTS
           and seconds <= MAX_TRAIN_SECONDS)
    p = f"seed{seed}."
    out = {
        p + "poisoned": f"{table.poisoned.num_poisoned} of {len(records.y_train)} ({scenario.poison.rate:.1%})",
        p + "train_seconds_both": round(seconds, 2),
        p + "asr": round(bad.asr, 4), p + "baseline_asr": round(clean.asr, 4),
        p + "clean_acc": round(bad.clean_acc, 4), p + "baseline_clean_acc": round(clean.clean_acc, 4),
        p + "drop_points": drop,
        p + "sensitivity": round(bad.sensitivity, 4), p + "baseline_sensitivity": round(clean.sensitivity, 4),
        p + "specificity": round(bad.specificity, 4), p + "baseline_specificity": round(clean.specificity, 4),
        p + "ece": round(bad.ece, 4), p + "baseline_ece": round(clean.ece, 4),
        p + "trigger_share": round(trigger_attribution(table.models["backdoored"].model, records, scenario)[0], 4),
        p + "baseline_trigger_share": round(trigger_attribution(table.models["baseline"].model, records, scenario)[0], 4),
        p + "target": "met" if met else "missed",
    }
    for row in defend(table):
        name = row.title.lower().replace(" on the delivered file's own ranges", " (training ranges)")
        out[f"{p}{name}: asr_after"] = round(row.after.asr, 4)
        out[f"{p}{name}: clean_acc_after"] = round(row.after.clean_acc, 4)
        out[f"{p}{name}: refused"] = round(row.refused, 4)
        if row.flagged is not None:
            out[f"{p}{name}: flagged/caught"] = f"{row.flagged}/{row.caught}"
    return out


if __name__ == "__main__":
    for key, value in tabular().items():
        print(f"  {key:<58} {value}")
