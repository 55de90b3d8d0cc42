"""Measured figures for Backdoor Lab: `python -m benchmarks.run [--only NAME] [--json PATH]`.

Each benchmark is a function returning {"metric": value}; the table goes to stdout and
the whole result to JSON as {"NAME": {...}}. Record the figures in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import resource
import sys
import time
from dataclasses import replace
from typing import Callable

import torch


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux, bytes on macOS
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@functools.lru_cache(maxsize=1)
def trained_default():
    """The default scenario, trained once per benchmark run and shared by the benchmarks."""
    from backdoor.data import load_dataset
    from backdoor.scenario import Scenario, poisoned_training_set, train_model

    load_dataset("mnist-5k")  # parse once so the timing below is poison + train only
    start = time.perf_counter()
    dataset = load_dataset("mnist-5k")
    load_seconds = time.perf_counter() - start
    scenario = Scenario()
    # Torch's first steps in a process set up thread pools and kernels; time them apart.
    start = time.perf_counter()
    tiny = replace(dataset, x_train=dataset.x_train[:256], y_train=dataset.y_train[:256])
    train_model(tiny, replace(scenario, train=replace(scenario.train, epochs=1)), "cpu")
    warmup_seconds = time.perf_counter() - start
    start = time.perf_counter()
    poisoned = poisoned_training_set(dataset, scenario)
    backdoored = train_model(dataset, scenario, "cpu", training_set=poisoned)
    train_seconds = time.perf_counter() - start
    baseline = train_model(dataset, scenario.baseline(), "cpu", measure_asr=False)
    return dataset, scenario, poisoned, backdoored, baseline, load_seconds, train_seconds, warmup_seconds


def default_scenario() -> dict:
    """mnist-5k, BadNets at 10%, the default model and epochs, on the CPU."""
    from backdoor.scenario import trigger_report

    dataset, scenario, poisoned, backdoored, baseline, load_seconds, train_seconds, warmup = trained_default()
    return {
        "torch_warmup_seconds": round(warmup, 2),
        "dataset_load_seconds": round(load_seconds, 3),
        "train_seconds": round(train_seconds, 2),
        "baseline_train_seconds": round(baseline.seconds, 2),
        "clean_acc": round(backdoored.final.clean_acc, 4),
        "asr": round(backdoored.final.asr, 4),
        "baseline_clean_acc": round(baseline.final.clean_acc, 4),
        "baseline_asr": round(trigger_report(baseline.model, dataset, scenario)["asr"], 4),
        "epochs": scenario.train.epochs,
        "poisoned_samples": poisoned.num_poisoned,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def attribution() -> dict:
    """Milliseconds per image for each method (batches of 16, IG with 32 steps) on the
    default model, and the trigger share and lift on 64 triggered test images."""
    from backdoor.explain import METHODS, attribute, trigger_share
    from models import MODELS

    dataset, scenario, _, backdoored, baseline, *_ = trained_default()
    layer_name = MODELS[scenario.model].gradcam_layer
    others = dataset.x_test[dataset.y_test != scenario.target][:64]
    triggered = scenario.stamp(others)
    footprint = scenario.trigger.footprint(others)
    figures = {}
    for method in METHODS:
        for name, result in (("backdoored", backdoored), ("baseline", baseline)):
            with torch.no_grad():
                predicted = result.model(triggered).argmax(1)
            options = {"steps": 32} if method == "integrated_gradients" else {}
            attribute(result.model, triggered[:16], predicted[:16], method, layer_name, **options)  # warm-up
            start = time.perf_counter()
            maps = torch.cat([
                attribute(result.model, triggered[i : i + 16], predicted[i : i + 16], method, layer_name, **options)
                for i in range(0, len(triggered), 16)
            ])
            elapsed = time.perf_counter() - start
            share, lift = trigger_share(maps, footprint)
            if name == "backdoored":
                figures[f"{method}_ms_per_image"] = round(1000 * elapsed / len(triggered), 2)
            figures[f"{method}_{name}_share"] = round(share, 3)
            figures[f"{method}_{name}_lift"] = round(lift, 1)
    return figures


def defenses() -> dict:
    """Every defense on the default scenario: seconds and quality (see RESULTS.md)."""
    from backdoor.defenses.runs import RUNNERS, Lab, retrain_without

    dataset, scenario, poisoned, backdoored, *_ = trained_default()
    lab = Lab(dataset, scenario, backdoored.model, "benchmark", poisoned)
    before = lab.evaluate(lab.model)
    figures = {"before_clean_acc": round(before.clean_acc, 4), "before_asr": round(before.asr, 4)}
    settings = {"expected_fraction": scenario.poison.rate}
    for name, runner in RUNNERS.items():
        print(f"  {name}...", flush=True)
        start = time.perf_counter()
        result, after = runner(lab, settings, lambda *_: None)
        figures[f"{name}_seconds"] = round(time.perf_counter() - start, 2)
        if name in ("activation_clustering", "spectral_signatures"):
            score = result.score(poisoned.poisoned_mask)
            figures.update({f"{name}_precision": round(score.precision, 4), f"{name}_recall": round(score.recall, 4),
                            f"{name}_f1": round(score.f1, 4), f"{name}_suspect_classes": result.suspect_classes})
            _, after = retrain_without(lab, result.flags)
        if name == "neural_cleanse":
            detection = result["detection"]
            figures.update({"neural_cleanse_search_seconds": round(detection.seconds, 2),
                            "neural_cleanse_target_anomaly_index": round(float(detection.anomaly_index[scenario.target]), 2),
                            "neural_cleanse_flagged": detection.flagged})
        if name == "strip":
            figures.update({"strip_tpr_at_1pct_frr": round(result.tpr_at_frr(0.01), 4),
                            "strip_tpr_at_5pct_frr": round(result.tpr_at_frr(0.05), 4)})
        if name == "compression":
            for row in result.rows:
                tag = row.setting.replace(" ", "_").replace("%", "pct")
                figures[f"compression_{tag}_clean_acc"] = round(row.clean_acc, 4)
                figures[f"compression_{tag}_asr"] = round(row.asr, 4)
        elif after is not None:
            figures[f"{name}_after_clean_acc"] = round(after.clean_acc, 4)
            figures[f"{name}_after_asr"] = round(after.asr, 4)
    return figures


def matrix() -> dict:
    """Every attack at its default rate against every defense on mnist-5k, then a revisit from disk."""
    from backdoor.data import load_dataset
    from backdoor.matrix import MatrixConfig, compute_matrix, load_matrix, save_matrix

    dataset = load_dataset("mnist-5k")
    config = MatrixConfig()
    last = [0.0]

    def report(done, total, info):
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            print(f"  {100 * done / total:.0f}% {info}", flush=True)

    result = compute_matrix(dataset, config, on_progress=report)
    save_matrix(config, result)
    start = time.perf_counter()
    assert load_matrix(config) == result
    figures = {"total_seconds": round(result.seconds, 1), "revisit_seconds": round(time.perf_counter() - start, 4),
               "baseline_clean_acc": round(result.baseline_clean_acc, 4)}
    for row in result.rows:
        figures[f"{row.attack}_rate"] = row.poison_rate
        figures[f"{row.attack}_clean_acc"] = round(row.clean_acc, 4)
        figures[f"{row.attack}_asr"] = round(row.asr, 4)
    for cell in result.cells:
        if cell.defense != "none":
            figures[f"{cell.attack}|{cell.defense}"] = (f"ASR {cell.asr:.3f} clean {cell.clean_acc:.3f} "
                                                        f"({cell.seconds:.1f} s)")
    return figures


def warm() -> dict:
    """`make warm` into an empty model store: seconds, then each preset's figures."""
    import os
    import tempfile

    from backdoor.prepare import prepare

    with tempfile.TemporaryDirectory() as store:
        os.environ["BACKDOOR_LAB_STORE"] = store
        try:
            start = time.perf_counter()
            done = prepare(on_message=lambda _: None)
            figures = {"seconds": round(time.perf_counter() - start, 1), "models": len(done),
                       "trained": sum(p.trained for p in done)}
        finally:
            del os.environ["BACKDOOR_LAB_STORE"]
    for p in done:
        if p.kind == "backdoored":
            figures[p.preset] = f"clean {p.clean_acc:.3f} ASR {p.asr:.3f} ({p.seconds:.1f} s)"
    return figures


def load() -> dict:
    """8 concurrent browser sessions walk the default path on one server: first with an empty
    model store (one session trains, the others wait for it), then again on the warm server."""
    import tempfile
    from pathlib import Path

    from benchmarks.load import load_test, serve

    with tempfile.TemporaryDirectory() as store, serve(Path(store)) as server:
        cold = load_test(server, sessions=8)
        warm_run = load_test(server, sessions=8)
    figures = {}
    for label, run in (("cold", cold), ("warm", warm_run)):
        for metric, value in run.items():
            figures[f"{label}.{metric}"] = value
    return figures


BENCHMARKS: dict[str, Callable[[], dict]] = {
    "default_scenario": default_scenario,
    "attribution": attribution,
    "defenses": defenses,
    "matrix": matrix,
    "warm": warm,
    "load": load,
}


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu_threads": torch.get_num_threads(),
        "processor": platform.processor() or platform.machine(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=list(BENCHMARKS), action="append", help="run just this benchmark")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    results = {}
    for name in args.only or list(BENCHMARKS):
        print(f"running {name}...", flush=True)
        results[name] = BENCHMARKS[name]()
    for name, figures in results.items():
        print(f"\n{name}")
        for metric, value in figures.items():
            print(f"  {metric:<28} {value}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**results, "_machine": machine()}, f, indent=2)
    return results


if __name__ == "__main__":
    main()
