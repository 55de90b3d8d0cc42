"""How few poisoned images suffice: train at several poison counts, measure each.

From a handful of images up to 10% of the training set, each count trains a fresh model
with everything else unchanged, and records its clean accuracy and attack success rate
on the test set. Students see the attack switch on long before the poison is "a lot".
Each model goes into the model store like any other, so the instant grid (backdoor/grid.py),
the Train page and the sweep share one model, and one set of figures, per count.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Callable

import torch

from backdoor.attacks import MAX_RATE, PoisonConfig, poison_count
from backdoor.datasets import Dataset
from backdoor.defenses.common import ProgressFn, no_progress, step_progress
from backdoor.results import load_result, save_result
from backdoor.scenario import Scenario, trigger_report
from backdoor.store import is_stored, load_or_train

HANDFUL = (5, 10, 25, 50)  # absolute counts before the percentages
PERCENTAGES = (0.025, 0.05, 0.1)


def sweep_counts(num_train: int, eligible: int) -> list[int]:
    """The poison counts to try: a handful of images, then 2.5%, 5% and 10% of the
    training set, never more than the attack can poison (``eligible`` images) nor more than
    half the training set (the most ``PoisonConfig`` allows)."""
    counts = list(HANDFUL) + [poison_count(num_train, p) for p in PERCENTAGES]
    return sorted({c for c in counts if 0 < c <= eligible and c <= num_train * MAX_RATE})


@dataclass(frozen=True)
class SweepPoint:
    poisoned_images: int
    rate: float
    clean_acc: float
    asr: float
    seconds: float


def sweep_variant(scenario: Scenario, count: int, num_train: int) -> Scenario:
    """The scenario with ``count`` of its ``num_train`` training images poisoned, all else unchanged."""
    return replace(scenario, poison=PoisonConfig(rate=count / num_train, target=scenario.target,
                                                 seed=scenario.poison.seed))


def stored_counts(scenario: Scenario, counts: list[int], num_train: int) -> list[int]:
    """The counts whose model the store holds already (a stopped sweep, the instant grid, make warm):
    the sweep loads those instead of training them."""
    return [c for c in counts if is_stored(sweep_variant(scenario, c, num_train), "backdoored")]


def poison_rate_sweep(
    dataset: Dataset,
    scenario: Scenario,
    counts: list[int],
    device: torch.device | str = "cpu",
    on_progress: ProgressFn = no_progress,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[SweepPoint]:
    """One trained model per count (the scenario's rate is replaced), from the model store when it
    is there (and stored when it was trained now). Stops early, with the points finished so far,
    when ``should_stop()`` turns true."""
    n = len(dataset.y_train)
    points: list[SweepPoint] = []
    for k, count in enumerate(counts):
        if should_stop():
            break
        tick = time.perf_counter()
        variant = sweep_variant(scenario, count, n)
        rate = variant.poison.rate

        report = step_progress(on_progress, k, len(counts), f"{count} poisoned images ({k + 1} of {len(counts)})")
        result = load_or_train(dataset, variant, "backdoored", device, report, should_stop)
        if result.cancelled:
            break
        figures = trigger_report(result.model, dataset, variant)
        points.append(SweepPoint(count, rate, figures["clean_acc"], figures["asr"], time.perf_counter() - tick))
    on_progress(len(counts) * 100, len(counts) * 100, "done")
    return points


def sweep_key(scenario: Scenario, counts: list[int], device: torch.device | str) -> tuple:
    """Everything that decides a sweep: the scenario (its poison rate aside), the counts, the device."""
    base = replace(scenario, poison=PoisonConfig(rate=0.0, target=scenario.target, seed=scenario.poison.seed))
    return base, tuple(counts), torch.device(device).type


def load_sweep(scenario: Scenario, counts: list[int], device: torch.device | str) -> list[SweepPoint] | None:
    """The stored sweep for these settings (computed here before, on another replica, or by
    ``make warm``), or None."""
    found = load_result("sweep", sweep_key(scenario, counts, device))
    try:
        return [SweepPoint(**point) for point in found] if found else None
    except TypeError:  # written by another version of SweepPoint: compute it again
        return None


def save_sweep(scenario: Scenario, counts: list[int], device: torch.device | str, points: list[SweepPoint]) -> None:
    """Keep a finished sweep in the store (a stopped one, with fewer points, is not kept)."""
    if len(points) == len(counts):
        save_result("sweep", sweep_key(scenario, counts, device), [asdict(p) for p in points])
