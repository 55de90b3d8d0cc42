"""The lab on a GPU: what "auto" picks there, and how long the default scenario, each defense and the whole
matrix take on it, beside the same machine's CPU (`python -m benchmarks.run --only gpu`, run on the lent
GPU machine; RESULTS.md keeps the figures). Quality figures are reported too: a GPU's float sums differ
from a CPU's, so its model is a sibling of the laptop's, not the same one.
"""

from __future__ import annotations

import os
import tempfile
import time

import torch

MATRIX_ENV = "BENCH_GPU_MATRIX"  # "0": leave the whole matrix out (a quick run)


def _timed(device: torch.device, work):
    """``work()`` and its wall-clock seconds, the GPU's queue drained before the clock stops."""
    start = time.perf_counter()
    value = work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return value, time.perf_counter() - start


def _scenario_on(device: torch.device, digits, scenario, poisoned) -> dict:
    from dataclasses import replace

    from backdoor.scenario import train_model

    tiny = replace(digits, x_train=digits.x_train[:256], y_train=digits.y_train[:256])
    _, warm = _timed(device, lambda: train_model(tiny, replace(scenario, train=replace(scenario.train, epochs=1)), device))
    trained, seconds = _timed(device, lambda: train_model(digits, scenario, device, training_set=poisoned))
    return {"first_steps_seconds": round(warm, 2), "train_seconds": round(seconds, 2),
            "clean_acc": round(trained.final.clean_acc, 4), "asr": round(trained.final.asr, 4)}, trained


_LAST = [0.0]


def _report(done, total, info) -> None:
    if time.perf_counter() - _LAST[0] > 10:  # a line every 10 s: where a run cut short got to
        _LAST[0] = time.perf_counter()
        print(f"  matrix {100 * done / total:.0f}% {info}", flush=True)


def gpu_figures() -> dict:
    from backdoor.datasets import load_dataset
    from backdoor.defenses.lab import Lab
    from backdoor.defenses.registry import DEFENSES
    from backdoor.device import available_devices, resolve_device
    from backdoor.matrix import MatrixConfig, compute_matrix
    from backdoor.scenario import Scenario, poisoned_training_set

    device = resolve_device()
    figures = {"devices": ", ".join(available_devices()), "auto": str(device), "cpu_threads": torch.get_num_threads()}
    if device.type != "cuda":
        return {**figures, "gpu": "none here: run this on a machine with a CUDA GPU"}
    figures["gpu"] = torch.cuda.get_device_name(device)
    digits = load_dataset("mnist-5k")
    scenario = Scenario()
    poisoned = poisoned_training_set(digits, scenario)
    for where in (torch.device("cpu"), device):
        found, trained = _scenario_on(where, digits, scenario, poisoned)
        figures.update({f"{where.type}_{k}": v for k, v in found.items()})
    lab = Lab(digits, scenario, trained.model, "gpu-benchmark", poisoned)  # the GPU model, trained last
    for name, defense in DEFENSES.items():
        if "image" in defense.modalities:
            outcome, seconds = _timed(device, lambda: defense.apply(lab))
            after = outcome.after
            figures[f"defense_{name}"] = (f"{seconds:.1f} s" + ("" if after is None else
                                          f", ASR {after.asr:.3f} clean {after.clean_acc:.3f}"))
    if os.environ.get(MATRIX_ENV, "1") != "0":
        with tempfile.TemporaryDirectory() as store:
            before = os.environ.get("BACKDOOR_LAB_STORE")
            os.environ["BACKDOOR_LAB_STORE"] = store
            try:
                result, seconds = _timed(device, lambda: compute_matrix(digits, MatrixConfig(), device, _report))
            finally:
                os.environ.pop("BACKDOOR_LAB_STORE")
                if before is not None:
                    os.environ["BACKDOOR_LAB_STORE"] = before
        figures["matrix_seconds"] = round(seconds, 1)
        figures["matrix_cells"] = len(result.cells) + len(result.false_alarms)
        for row in result.rows:
            figures[f"matrix_{row.attack}"] = f"clean {row.clean_acc:.3f} ASR {row.asr:.3f}"
    figures["peak_gpu_memory_mb"] = round(torch.cuda.max_memory_allocated(device) / 1e6, 1)
    return figures
