"""Warm-up before a class: pre-train every preset into the on-disk model store.

Usage: ``python -m backdoor.prepare`` for the presets' models; ``--all`` (what ``make warm``
runs) adds the instant grid (``backdoor.grid``: each attack at the sweep's poison rates, BadNets at
a few patch sizes and positions) and each preset's attack x defense matrix (on seeds 0, 1 and 2 too,
for the Matrix page's luck section) and poison-rate sweep;
``--grid`` prepares the grid alone; ``--only NAME`` for one
preset, ``--list`` to see them; ``--mystery CODE`` also prepares a mystery challenge's models
(for the lab's default settings, or ``--preset NAME --seed N`` for a class's). What the store
holds already is kept, so running it twice is quick. Afterwards the app opens each of these at
once instead of computing it, on this server and on every replica that shares the store.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Callable

import torch

from backdoor import estimates
from backdoor.busy import machine_load
from backdoor.datasets import load_dataset
from backdoor.device import resolve_device
from backdoor.attacks import poisonable
from backdoor.grid import GRID, GridSpec, Warmed, missing_models, warm_grid
from backdoor.matrix import config_for, estimate as matrix_estimate, load_matrix, matrix
from backdoor.matrix_seeds import SEEDS, seed_config
from backdoor.presets import Preset, PRESETS, class_setup
from backdoor.sweep import load_sweep, poison_rate_sweep, save_sweep, sweep_counts, sweep_key
from backdoor.mystery import draw_challenge, kind_of, train_challenge
from backdoor.scenario import Scenario, train_model, trigger_report
from backdoor.store import is_stored, load_model, model_hash, save_model, store_dir, trained_scenario


@dataclass(frozen=True)
class Prepared:
    preset: str
    kind: str
    clean_acc: float
    asr: float
    seconds: float  # training time; 0 when it was already in the store
    trained: bool


def to_train(names: list[str] | None = None) -> list[tuple[Preset, str]]:
    """The models :func:`prepare` would train: each preset's models missing from the store,
    each distinct model once (the digit presets share one clean baseline)."""
    seen: set[str] = set()
    todo = []
    for name in names or list(PRESETS):
        preset = PRESETS[name]
        for kind in estimates.KINDS:
            address = model_hash(preset.scenario, kind)
            if address not in seen and not is_stored(preset.scenario, kind):
                seen.add(address)
                todo.append((preset, kind))
    return todo


def training_seconds(preset: Preset, kind: str, shape: estimates.DataShape, device) -> float:
    """One preset model's training, as :func:`prepare` runs it, measured on this machine."""
    return estimates.training_seconds(shape, trained_scenario(preset.scenario, kind), device,
                                      measure_asr=kind == "backdoored")


def prepare(names: list[str] | None = None, device: torch.device | str = "cpu",
            on_message: Callable[[str], None] = print) -> list[Prepared]:
    """Train whatever the chosen presets (default: all) are missing from the store, saying
    first how long that should take here and then how each model went."""
    done: list[Prepared] = []
    datasets = {}
    for name in names or list(PRESETS):
        scenario = PRESETS[name].scenario
        if (scenario.dataset, scenario.data_seed) not in datasets:
            datasets[scenario.dataset, scenario.data_seed] = load_dataset(scenario.dataset, seed=scenario.data_seed)
    shapes = {key: estimates.DataShape.of(d) for key, d in datasets.items()}
    todo = to_train(names)
    expected = {(p.name, kind): training_seconds(p, kind, shapes[p.scenario.dataset, p.scenario.data_seed], device)
                for p, kind in todo}
    order = {key: number for number, key in enumerate(expected, start=1)}
    if todo:
        busy = estimates.busy_note(machine_load()).replace("The server", "This machine")
        on_message(f"{len(todo)} models to train: {estimates.about(sum(expected.values()))} on this machine "
                   f"(measured here just now).{' ' + busy if busy else ''}")
    for name in names or list(PRESETS):
        preset: Preset = PRESETS[name]
        scenario = preset.scenario
        dataset = datasets[scenario.dataset, scenario.data_seed]
        for kind in ("backdoored", "baseline"):
            result = load_model(scenario, kind, dataset.image_shape, dataset.num_classes, device)
            trained = result is None
            if trained:
                step = f"[{order[name, kind]}/{len(todo)}] " if (name, kind) in order else ""
                guess = f" ({estimates.about(expected[name, kind])})" if (name, kind) in expected else ""
                on_message(f"{step}{preset.title}: training the {kind} model{guess}...")
                start = time.perf_counter()
                result = train_model(dataset, trained_scenario(scenario, kind), device,
                                     measure_asr=kind == "backdoored")
                save_model(scenario, kind, result)
                seconds = time.perf_counter() - start
            else:
                seconds = 0.0
            figures = trigger_report(result.model, dataset, scenario)
            done.append(Prepared(name, kind, figures["clean_acc"], figures["asr"], seconds, trained))
            on_message(f"{preset.title}, {kind}: clean accuracy {figures['clean_acc']:.1%}, attack success "
                       f"{figures['asr']:.1%}" + (f" (trained in {seconds:.1f} s)" if trained else " (already stored)"))
    return done


def prepare_mystery(code: int, count: int, base: Scenario, device: torch.device | str = "cpu",
                    on_message: Callable[[str], None] = print) -> int:
    """Train challenge ``code``'s mystery models into the store (what is stored already is kept);
    returns how many were trained now."""
    dataset = load_dataset(base.dataset, seed=base.data_seed)
    mysteries = draw_challenge(code, count, base, dataset.num_classes)
    missing = [m for m in mysteries if not is_stored(m.scenario, kind_of(m))]
    on_message(f"Mystery challenge {code}: {count} models, {len(missing)} to train.")
    start = time.perf_counter()
    train_challenge(dataset, mysteries, device)
    if missing:
        on_message(f"Mystery challenge {code}: trained in {time.perf_counter() - start:.0f} s.")
    return len(missing)


def prepare_results(names: list[str] | None = None, device: torch.device | str = "cpu",
                    on_message: Callable[[str], None] = print) -> int:
    """Compute what the chosen presets' Matrix and sweep pages would (each distinct one once) into
    the store; returns how many were computed now."""
    computed, seen = 0, set()
    for name in names or list(PRESETS):
        preset = PRESETS[name]
        scenario = preset.scenario
        dataset = load_dataset(scenario.dataset, seed=scenario.data_seed)
        config = config_for(scenario, dataset.name)
        # the preset's own matrix, then the same on each seed of the Matrix page's luck section
        for seeded in dict.fromkeys([config, *(seed_config(config, seed) for seed in SEEDS)]):
            if seeded in seen:
                continue
            seen.add(seeded)
            if load_matrix(seeded) is None:
                data = dataset if seeded.data_seed == scenario.data_seed else load_dataset(scenario.dataset,
                                                                                           seed=seeded.data_seed)
                expected = matrix_estimate(estimates.DataShape.of(data), seeded, device)
                on_message(f"{preset.title}: the attack x defense matrix, seed {seeded.data_seed} "
                           f"({estimates.about(expected.seconds)})...")
                start = time.perf_counter()
                matrix(data, seeded, device)
                computed += 1
                on_message(f"{preset.title}: matrix (seed {seeded.data_seed}) computed in "
                           f"{time.perf_counter() - start:.0f} s.")
        counts = sweep_counts(len(dataset.y_train), int(poisonable(dataset.y_train, scenario.trigger, scenario.target).sum()))
        if sweep_key(scenario, counts, device) not in seen:
            seen.add(sweep_key(scenario, counts, device))
            if load_sweep(scenario, counts, device) is None:
                on_message(f"{preset.title}: the poison-rate sweep ({len(counts)} models)...")
                start = time.perf_counter()
                save_sweep(scenario, counts, device, poison_rate_sweep(dataset, scenario, counts, device))
                computed += 1
                on_message(f"{preset.title}: sweep computed in {time.perf_counter() - start:.0f} s.")
    return computed


def prepare_grid(base: Scenario, spec: GridSpec = GRID, device: torch.device | str = "cpu",
                 on_message: Callable[[str], None] = print) -> Warmed:
    """The instant grid around ``base`` (the lab's defaults at the class's seed) into the store, saying
    first how long its training should take here."""
    dataset = load_dataset(base.dataset, seed=base.data_seed)
    missing = missing_models(dataset, base, spec)
    if missing:
        shape = estimates.DataShape.of(dataset)
        expected = sum(estimates.training_seconds(shape, trained_scenario(s, kind), device,
                                                  measure_asr=kind == "backdoored") for s, kind in missing)
        on_message(f"The instant grid: {len(missing)} models to train, {estimates.about(expected)} on this machine "
                   "(measured here just now).")
    warmed = warm_grid(dataset, base, spec, device, on_message)
    on_message(f"The instant grid: {warmed.points} settings ready, {warmed.trained} models trained now, "
               f"in {warmed.seconds:.0f} s.")
    return warmed


def main(argv: list[str] | None = None) -> list[Prepared]:
    parser = argparse.ArgumentParser(prog="python -m backdoor.prepare", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=list(PRESETS), help="prepare just this preset")
    parser.add_argument("--list", action="store_true", help="list the presets and exit")
    parser.add_argument("--all", action="store_true",
                        help="also the instant grid and each preset's matrix and poison-rate sweep")
    parser.add_argument("--grid", action="store_true", help="prepare the instant grid only")
    parser.add_argument("--mystery", type=int, action="append", metavar="CODE",
                        help="also prepare this mystery challenge's models")
    parser.add_argument("--count", type=int, default=4, help="models in the mystery challenge (default 4)")
    parser.add_argument("--preset", choices=list(PRESETS), help="the class's preset the challenge is drawn from")
    parser.add_argument("--seed", type=int, default=0, help="the class's seed (default 0)")
    args = parser.parse_args(argv)
    if args.list:
        for p in PRESETS.values():
            print(f"{p.name:<20} {p.title}: {p.story}")
        return []
    device = resolve_device("auto")
    print(f"Model store: {store_dir()} (device: {device.type})")
    start = time.perf_counter()
    if args.grid:
        prepare_grid(class_setup(None, args.seed), GRID, device)
        return []
    done = prepare(args.only, device)
    if args.all:
        prepare_grid(class_setup(None, args.seed), GRID, device)
        prepare_results(args.only, device)
    for code in args.mystery or []:
        prepare_mystery(code, args.count, class_setup(args.preset, args.seed), device)
    print(f"Ready: {len(done)} models in {time.perf_counter() - start:.0f} s.")
    return done


if __name__ == "__main__":
    main()
