"""Measured figures for Backdoor Lab: `python -m benchmarks.run [--only NAME] [--json PATH]`.

Each benchmark is a function returning {"metric": value}; the table goes to stdout and
the whole result to JSON as {"NAME": {...}}. Record the figures in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from typing import Callable

import torch


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux, bytes on macOS
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def default_scenario() -> dict:
    """mnist-5k, BadNets at 10%, the default model and epochs, on the CPU."""
    from backdoor.data import load_dataset
    from backdoor.scenario import Scenario, poisoned_training_set, train_model, trigger_report

    load_dataset("mnist-5k")  # parse once so the timing below is poison + train only
    start = time.perf_counter()
    dataset = load_dataset("mnist-5k")
    load_seconds = time.perf_counter() - start
    scenario = Scenario()
    start = time.perf_counter()
    poisoned = poisoned_training_set(dataset, scenario)
    backdoored = train_model(dataset, scenario, "cpu", training_set=poisoned)
    train_seconds = time.perf_counter() - start
    baseline = train_model(dataset, scenario.baseline(), "cpu", measure_asr=False)
    return {
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


BENCHMARKS: dict[str, Callable[[], dict]] = {
    "default_scenario": default_scenario,
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
