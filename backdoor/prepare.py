"""Warm-up before a class: pre-train every preset into the on-disk model store.

Usage: ``python -m backdoor.prepare`` (or ``make warm``); ``--only NAME`` for one preset,
``--list`` to see them. Models already in the store are kept, so running it twice is
quick. Afterwards the app opens each preset's models at once instead of training them.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Callable

import torch

from backdoor.data import load_dataset
from backdoor.presets import PRESETS, Preset
from backdoor.scenario import train_model, trigger_report
from backdoor.store import load_model, save_model, store_dir, trained_scenario


@dataclass(frozen=True)
class Prepared:
    preset: str
    kind: str
    clean_acc: float
    asr: float
    seconds: float  # training time; 0 when it was already in the store
    trained: bool


def prepare(names: list[str] | None = None, device: torch.device | str = "cpu",
            on_message: Callable[[str], None] = print) -> list[Prepared]:
    """Train whatever the chosen presets (default: all) are missing from the store."""
    done: list[Prepared] = []
    for name in names or list(PRESETS):
        preset: Preset = PRESETS[name]
        scenario = preset.scenario
        dataset = load_dataset(scenario.dataset, seed=scenario.data_seed)
        for kind in ("backdoored", "baseline"):
            result = load_model(scenario, kind, dataset.image_shape, dataset.num_classes, device)
            trained = result is None
            if trained:
                on_message(f"{preset.title}: training the {kind} model...")
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


def main(argv: list[str] | None = None) -> list[Prepared]:
    parser = argparse.ArgumentParser(prog="python -m backdoor.prepare", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=list(PRESETS), help="prepare just this preset")
    parser.add_argument("--list", action="store_true", help="list the presets and exit")
    args = parser.parse_args(argv)
    if args.list:
        for p in PRESETS.values():
            print(f"{p.name:<20} {p.title}: {p.story}")
        return []
    from backdoor.device import resolve_device

    device = resolve_device("auto")
    print(f"Model store: {store_dir()} (device: {device.type})")
    start = time.perf_counter()
    done = prepare(args.only, device)
    print(f"Ready: {len(done)} models in {time.perf_counter() - start:.0f} s.")
    return done


if __name__ == "__main__":
    main()
