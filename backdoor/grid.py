"""The instant grid: models trained before class at a few settings, so a slider answers at once.

``make warm`` trains every image attack that fits the data set at the poison-rate sweep's counts
(``backdoor.sweep``) and at the attack's own default rate, and BadNets at a few patch sizes and
positions. Each model goes into the model store like any other (``backdoor.store``); its figures,
measured once with ``trigger_report`` exactly as every page measures them, go beside it as a small
JSON result. A page answers a setting on the grid by reading that file: no model to load, nothing
to measure. The grid's rates are the sweep's counts and both read the same stored models, so the
sweep's curve and the grid are the same numbers (warming the grid stores the sweep too).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Callable

import torch

from backdoor.attacks import ATTACKS, BadNets, poison_count, poisonable
from backdoor.datasets import Dataset
from backdoor.results import load_result, save_result
from backdoor.scenario import Scenario, trigger_report
from backdoor.store import is_stored, load_or_train, model_hash
from backdoor.sweep import SweepPoint, load_sweep, save_sweep, sweep_counts
from backdoor.train import EpochRecord

SAMPLES = 4  # triggered held-out images each grid point keeps the backdoored model's answers for


@dataclass(frozen=True)
class GridSpec:
    """Which settings the grid holds besides each attack's poison rates.

    Args:
        attacks: attack names (default: every image attack that fits the data set).
        rates: poison rates for every attack (default: the sweep's counts and the attack's own default).
        sizes: BadNets patch sizes besides the default, at BadNets' default rate.
        positions: BadNets patch positions besides the default, at BadNets' default rate.
    """

    attacks: tuple[str, ...] | None = None
    rates: tuple[float, ...] | None = None
    sizes: tuple[int, ...] = (2, 6)
    positions: tuple[str, ...] = ("top-left", "centre")


GRID = GridSpec()  # what ``make warm`` prepares: about 35 models on mnist-5k


@dataclass(frozen=True)
class ModelFigures:
    """One stored model's headline figures (held-out images) and its training history."""

    clean_acc: float
    asr: float
    history: tuple[EpochRecord, ...]
    seconds: float  # what training took when it was stored


@dataclass(frozen=True)
class InstantFigures:
    """A grid point: both models' figures, how many images were poisoned, and ``samples``:
    (held-out row, the backdoored model's answer on it clean, with the trigger) for a few rows."""

    backdoored: ModelFigures
    baseline: ModelFigures
    poisoned_images: int
    samples: tuple[tuple[int, int, int], ...]

    @classmethod
    def from_json(cls, data: dict) -> "InstantFigures":
        models = {kind: ModelFigures(data[kind]["clean_acc"], data[kind]["asr"],
                                     tuple(EpochRecord(**r) for r in data[kind]["history"]), data[kind]["seconds"])
                  for kind in ("backdoored", "baseline")}
        return cls(**models, poisoned_images=int(data["poisoned_images"]),
                   samples=tuple(tuple(int(v) for v in s) for s in data["samples"]))


def image_attacks(dataset_name: str) -> list[str]:
    """The attacks the grid trains on this data set: every image attack that fits it and has a default
    worth a matrix row (not a student's own drawing, whose every new drawing is off the grid anyway)."""
    return [name for name, spec in ATTACKS.items()
            if "image" in spec.modalities and spec.fits(dataset_name) and spec.matrix_row]


def with_rate(scenario: Scenario, rate: float) -> Scenario:
    return replace(scenario, poison=replace(scenario.poison, rate=rate))


def rate_percent(rate: float) -> float:
    """``rate`` as the percentage a slider keeps (``"poison.rate_pct"``), chosen so that dividing it by
    100 gives back exactly ``rate`` whenever a short decimal does (the store is keyed on the exact value)."""
    for digits in range(1, 10):
        pct = round(100 * rate, digits)
        if pct / 100 == rate:
            return pct
    return 100 * rate


def attack_scenario(base: Scenario, attack: str) -> Scenario:
    """``base`` (its data, model, training, target and seeds) with ``attack`` at its default trigger and rate."""
    spec = ATTACKS[attack]
    return with_rate(replace(base, attack=attack, trigger=spec.config()), spec.default_rate)


def grid_rates(dataset: Dataset, scenario: Scenario, spec: GridSpec = GRID) -> list[float]:
    """The poison rates the grid trains for ``scenario``'s attack: the sweep's counts as rates (so
    the sweep and the grid are the same models) and the attack's default rate (where choosing the
    attack puts the slider)."""
    if spec.rates is not None:
        return sorted(spec.rates)
    n = len(dataset.y_train)
    eligible = int(poisonable(dataset.y_train, scenario.trigger, scenario.target).sum())
    return sorted({count / n for count in sweep_counts(n, eligible)} | {ATTACKS[scenario.attack].default_rate})


def grid_scenarios(dataset: Dataset, base: Scenario, spec: GridSpec = GRID) -> list[Scenario]:
    """Every backdoored setting on the grid around ``base`` (each once)."""
    points: list[Scenario] = []
    for attack in spec.attacks or image_attacks(dataset.name):
        start = attack_scenario(base, attack)
        points += [with_rate(start, rate) for rate in grid_rates(dataset, start, spec)]
        if attack == "badnets":
            points += [replace(start, trigger=BadNets(size=size)) for size in spec.sizes]
            points += [replace(start, trigger=BadNets(position=where)) for where in spec.positions]
    return list(dict.fromkeys(points))


def missing_models(dataset: Dataset, base: Scenario, spec: GridSpec = GRID) -> list[tuple[Scenario, str]]:
    """The models warming the grid would train: (scenario, kind) for each one the store lacks, each
    distinct model once (every point shares one clean baseline)."""
    missing = {model_hash(s, kind): (s, kind) for s in grid_scenarios(dataset, base, spec)
               for kind in ("backdoored", "baseline") if not is_stored(s, kind)}
    return list(missing.values())


def lookup(scenario: Scenario) -> InstantFigures | None:
    """The grid's figures for exactly these settings, or None (off the grid, or not warmed yet)."""
    found = load_result("instant", model_hash(scenario, "backdoored"))
    try:
        return InstantFigures.from_json(found) if found else None
    except (KeyError, TypeError, ValueError):  # written by another version: treat as missing
        return None


def stored_rates(dataset: Dataset, scenario: Scenario, spec: GridSpec = GRID) -> list[float]:
    """The grid's rates for ``scenario`` (all else as it is) that are warmed and ready."""
    return [rate for rate in grid_rates(dataset, scenario, spec) if lookup(with_rate(scenario, rate)) is not None]


def measure(dataset: Dataset, scenario: Scenario, device: torch.device | str = "cpu") -> InstantFigures:
    """Both models of ``scenario`` (from the store, else trained and stored) and their figures."""
    models = {kind: load_or_train(dataset, scenario, kind, device) for kind in ("backdoored", "baseline")}
    figures = {kind: ModelFigures(**trigger_report(r.model, dataset, scenario), history=tuple(r.history),
                                  seconds=r.seconds) for kind, r in models.items()}
    x, y = dataset.held_out
    rows = torch.nonzero(scenario.attackable(y)).flatten()[:SAMPLES]
    objects = dataset.held_out_objects
    picked = x[rows]
    triggered = scenario.stamp(picked, None if objects is None else objects[rows])
    model = models["backdoored"].model
    with torch.no_grad():
        device_of = next(model.parameters()).device
        clean = model(picked.to(device_of)).argmax(1).tolist()
        fired = model(triggered.to(device_of)).argmax(1).tolist()
    return InstantFigures(**figures, poisoned_images=poison_count(len(dataset.y_train), scenario.poison.rate),
                          samples=tuple(zip(rows.tolist(), clean, fired)))


def point_name(scenario: Scenario) -> str:
    """A grid point in words: "BadNets (visible patch), 2.5% poisoned, 6-pixel patch at bottom-right"."""
    words = f"{ATTACKS[scenario.attack].title}, {100 * scenario.poison.rate:g}% poisoned"
    if isinstance(scenario.trigger, BadNets) and scenario.trigger != BadNets():
        words += f", {scenario.trigger.size}-pixel patch at {scenario.trigger.position}"
    return words


@dataclass(frozen=True)
class Warmed:
    points: int  # on the grid
    trained: int  # models trained now (the rest came from the store)
    seconds: float


def warm_grid(dataset: Dataset, base: Scenario, spec: GridSpec = GRID, device: torch.device | str = "cpu",
              on_message: Callable[[str], None] = print) -> Warmed:
    """Measure every grid point missing its figures (training what the store lacks), then keep each
    attack's sweep from the same figures. Running it twice is quick."""
    start = time.perf_counter()
    points = grid_scenarios(dataset, base, spec)
    todo = [s for s in points if lookup(s) is None]
    trained = 0
    on_message(f"The instant grid: {len(points)} settings, {len(todo)} to measure.")
    for number, scenario in enumerate(todo, start=1):
        missing = sum(not is_stored(scenario, kind) for kind in ("backdoored", "baseline"))
        on_message(f"[{number}/{len(todo)}] {point_name(scenario)}: "
                   + (f"training {missing} model{'s' if missing > 1 else ''}..." if missing else "measuring..."))
        save_result("instant", model_hash(scenario, "backdoored"), asdict(measure(dataset, scenario, device)))
        trained += missing
    if spec.rates is None:
        for attack in spec.attacks or image_attacks(dataset.name):
            keep_sweep(dataset, attack_scenario(base, attack), device)
    return Warmed(len(points), trained, time.perf_counter() - start)


def keep_sweep(dataset: Dataset, scenario: Scenario, device: torch.device | str = "cpu") -> bool:
    """Store ``scenario``'s poison-rate sweep from the grid's figures (the same models), unless it is
    stored already or a count is missing from the grid; returns whether it was stored now."""
    n = len(dataset.y_train)
    counts = sweep_counts(n, int(poisonable(dataset.y_train, scenario.trigger, scenario.target).sum()))
    if load_sweep(scenario, counts, device) is not None:
        return False
    found = [(count, lookup(with_rate(scenario, count / n))) for count in counts]
    if any(figures is None for _, figures in found):
        return False
    save_sweep(scenario, counts, device, [SweepPoint(count, count / n, f.backdoored.clean_acc, f.backdoored.asr,
                                                     f.backdoored.seconds) for count, f in found])
    return True
