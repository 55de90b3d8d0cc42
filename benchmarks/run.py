"""Measured figures for Backdoor Lab: `python -m benchmarks.run [--only NAME] [--json PATH] [--seed N]
[--threads N]`.

Each benchmark is a function returning {"metric": value}; the table goes to stdout and
the whole result to JSON as {"NAME": {...}}. Record the figures in benchmarks/RESULTS.md.
A benchmark with a ``seed`` argument runs the default scenario at the lab's seed N (the
sidebar's seed: data split, poisoned images and training all seeded N). Every quality
figure is the same in every run on one machine with one thread count; float sums depend
on the number of threads, so ``--threads`` reproduces figures measured with another.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import platform
import resource
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

import torch

if TYPE_CHECKING:
    from benchmarks.load import Pacing


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux, bytes on macOS
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def lab_scenario(seed: int = 0):
    """The default scenario at the lab's seed, built as the sidebar builds it
    (``ui.state.current_scenario``): data split, poisoned images and training all seeded ``seed``."""
    from backdoor.attacks import PoisonConfig
    from backdoor.scenario import Scenario
    from backdoor.train import TrainConfig

    return Scenario(poison=PoisonConfig(seed=seed), train=TrainConfig(seed=seed), data_seed=seed)


@functools.lru_cache(maxsize=1)
def trained_default(seed: int = 0):
    """The default scenario (at the lab's ``seed``), trained once per benchmark run and shared by the benchmarks."""
    from backdoor.datasets import load_dataset
    from backdoor.scenario import poisoned_training_set, train_model

    load_dataset("mnist-5k", seed=seed)  # parse once so the timing below is poison + train only
    start = time.perf_counter()
    dataset = load_dataset("mnist-5k", seed=seed)
    load_seconds = time.perf_counter() - start
    scenario = lab_scenario(seed)
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
    from backdoor.explain import attribute, methods_for, trigger_share
    from models import MODELS

    dataset, scenario, _, backdoored, baseline, *_ = trained_default()
    layer_name = MODELS[scenario.model].gradcam_layer
    rows = torch.nonzero(dataset.y_test != scenario.target).flatten()[:64]
    others, objects = dataset.x_test[rows], dataset.test_objects(rows)
    triggered = scenario.stamp(others, objects)
    footprint = scenario.footprint(others, objects)
    figures = {}
    for method in methods_for("image"):
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


def defense_figures(lab, name: str, settings: dict) -> dict:
    """One registered defense on ``lab``: its seconds, what it caught (a data inspection, then its
    retraining), its own extra figures, and the figures after its repair."""
    from backdoor.defenses.common import detection_score
    from backdoor.defenses.lab import retrain_without
    from backdoor.defenses.registry import DEFENSES

    defense = DEFENSES[name]
    outcome = defense.apply(lab, settings)
    figures = {f"{name}_seconds": round(outcome.seconds, 2)}
    after = outcome.after
    if outcome.flags is not None:  # a data inspection: scored against the known poison, then acted on
        score = detection_score(outcome.flags, lab.poisoned.poisoned_mask)
        figures.update({f"{name}_precision": round(score.precision, 4), f"{name}_recall": round(score.recall, 4),
                        f"{name}_f1": round(score.f1, 4)})
        suspects = getattr(outcome.result, "suspect_classes", None)
        if suspects is not None:
            figures[f"{name}_suspect_classes"] = suspects
        _, after = retrain_without(lab, outcome.flags)
    figures.update({f"{name}_{key}": value for key, value in outcome.figures.items()})
    if defense.repairs and after is not None:
        figures[f"{name}_after_clean_acc"] = round(after.clean_acc, 4)
        figures[f"{name}_after_asr"] = round(after.asr, 4)
    return figures


def defenses(seed: int = 0) -> dict:
    """Every defense on the default scenario at the lab's ``seed``: seconds and quality (see RESULTS.md)."""
    from backdoor.defenses.lab import Lab
    from backdoor.defenses.registry import DEFENSES

    dataset, scenario, poisoned, backdoored, *_ = trained_default(seed)
    lab = Lab(dataset, scenario, backdoored.model, "benchmark", poisoned)
    before = lab.evaluate(lab.model)
    figures = {"seed": seed, "before_clean_acc": round(before.clean_acc, 4), "before_asr": round(before.asr, 4)}
    for name in DEFENSES.fitting("image"):
        print(f"  {name}...", flush=True)
        figures.update(defense_figures(lab, name, {"expected_fraction": scenario.poison.rate}))
    return figures


# A repair's target (issue 12), on the held-out half: attack success at most 5%, and clean
# accuracy at most 2 points below the backdoored model's before the defense.
TARGET_ASR = 0.05
TARGET_DROP_POINTS = 2.0
REPAIR_SEEDS = (0, 1, 2)
# Each repair measured on the seeds, with the most points it may lose (issue 18 gives ANP 3).
REPAIR_DROP_POINTS = {"neural_cleanse": TARGET_DROP_POINTS, "fine_pruning": TARGET_DROP_POINTS, "anp": 3.0,
                      "abl": TARGET_DROP_POINTS}


# A serving-time monitor's target (issue 18, SCALE-UP): at least 90% of triggered inputs caught, at most
# 5% of honest ones refused.
MONITORS = ("strip", "scale_up")
MONITOR_CAUGHT, MONITOR_REFUSED = 0.9, 0.05


def defenses_seeds() -> dict:
    """Neural Cleanse + unlearning, Fine-Pruning, ANP and ABL on the default scenario at the lab's seeds
    0, 1 and 2, each against its target (TARGET_ASR, REPAIR_DROP_POINTS); then the monitors, STRIP and
    SCALE-UP, against theirs (MONITOR_CAUGHT, MONITOR_REFUSED)."""
    from backdoor.defenses.lab import Lab
    from backdoor.defenses.registry import DEFENSES

    figures: dict = {}
    for seed in REPAIR_SEEDS:
        dataset, scenario, poisoned, backdoored, *_ = trained_default(seed)
        lab = Lab(dataset, scenario, backdoored.model, "benchmark", poisoned)
        before = lab.evaluate(lab.model)
        figures[f"seed{seed}.before_clean_acc"] = round(before.clean_acc, 4)
        figures[f"seed{seed}.before_asr"] = round(before.asr, 4)
        for name, most_lost in REPAIR_DROP_POINTS.items():
            print(f"  seed {seed}: {name}...", flush=True)
            outcome = DEFENSES[name].apply(lab, {"expected_fraction": scenario.poison.rate})
            after, seconds = outcome.after, outcome.seconds
            # drop = clean accuracy before - after, in points (positive = worse)
            drop = round(100 * before.clean_acc - 100 * after.clean_acc, 1)
            met = after.asr <= TARGET_ASR and drop <= most_lost
            figures.update({f"seed{seed}.{name}_seconds": round(seconds, 2),
                            f"seed{seed}.{name}_after_asr": round(after.asr, 4),
                            f"seed{seed}.{name}_after_clean_acc": round(after.clean_acc, 4),
                            f"seed{seed}.{name}_drop_points": drop,
                            f"seed{seed}.{name}_target": "met" if met else "missed"})
        for name in MONITORS:  # serving-time monitors: triggered inputs refused, honest ones refused
            print(f"  seed {seed}: {name}...", flush=True)
            outcome = DEFENSES[name].apply(lab, {"expected_fraction": scenario.poison.rate})
            result = outcome.result  # STRIP reports the triggered inputs it let through (far), SCALE-UP those caught
            caught = result.caught if hasattr(result, "caught") else 1.0 - result.far
            refused = outcome.refused
            met = caught >= MONITOR_CAUGHT and refused <= MONITOR_REFUSED
            figures.update({f"seed{seed}.{name}_seconds": round(outcome.seconds, 2),
                            f"seed{seed}.{name}_caught": round(caught, 4),
                            f"seed{seed}.{name}_refused": round(refused, 4),
                            f"seed{seed}.{name}_target": "met" if met else "missed"})
    return figures


def matrix() -> dict:
    """Every attack at its default rate, and the clean model, against every defense on mnist-5k, from an
    empty model store (so every row's model is trained), then a revisit from disk."""
    import os
    import tempfile

    from backdoor.datasets import load_dataset
    from backdoor.matrix import MatrixConfig, compute_matrix, load_matrix, save_matrix
    from backdoor.reference import pairs, results_table

    dataset = load_dataset("mnist-5k")
    config = MatrixConfig()
    last = [0.0]

    def report(done, total, info):
        if time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            print(f"  {100 * done / total:.0f}% {info}", flush=True)

    with tempfile.TemporaryDirectory() as store:
        os.environ["BACKDOOR_LAB_STORE"] = store
        try:
            result = compute_matrix(dataset, config, on_progress=report)
            save_matrix(config, result)
            start = time.perf_counter()
            assert load_matrix(config) == result
            revisit = time.perf_counter() - start
        finally:
            del os.environ["BACKDOOR_LAB_STORE"]
    figures = {"total_seconds": round(result.seconds, 1), "revisit_seconds": round(revisit, 4),
               "baseline_clean_acc": round(result.baseline_clean_acc, 4)}
    for row in result.rows:
        figures[f"{row.attack}_rate"] = row.poison_rate
        figures[f"{row.attack}_clean_acc"] = round(row.clean_acc, 4)
        figures[f"{row.attack}_asr"] = round(row.asr, 4)
    for cell in result.cells:
        if cell.defense != "none":
            figures[f"{cell.attack}|{cell.defense}"] = (f"ASR {cell.asr:.3f} clean {cell.clean_acc:.3f} "
                                                        f"({cell.seconds:.1f} s)")
    for cell in result.false_alarms:  # each defense on the clean model: its false alarm and its cost there
        figures[f"clean|{cell.defense}"] = (f"lost {100 * cell.drop:.1f} points, refused {cell.refused:.3f}, "
                                            f"flagged {cell.flagged} ({cell.seconds:.1f} s)")
    for defense in result.defenses[1:]:
        low, high = result.seconds_range(defense)
        figures[f"{defense}_seconds_range"] = f"{low:.1f}-{high:.1f}"
    # beside BackdoorBench's published figures, for RESULTS.md (backdoor/reference.py)
    found = pairs(result)
    figures["backdoorbench_agree"] = f"{sum(p.agrees for p in found)} of {len(found)} pairs"
    print("\nBeside BackdoorBench (paste into RESULTS.md):\n" + results_table(result), flush=True)
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


def _class(db_url: str, preset: str = "classic-patch"):
    from backdoor.classroom import create_class
    from backdoor.classroom.db import open_database

    db = open_database(db_url)
    try:
        return create_class(db, "Load test", "2468", preset, 0)
    finally:
        db.engine.dispose()


def class_path(sessions: int = 24, passes: tuple[str, ...] = ("warm", "cold"),
               pacing: Pacing | None = None, shots=None, browsers_nice: int = 0, own_devices: int = 0) -> dict:
    """A class of ``sessions`` on one server (SQLite, the default): each student joins by the
    link, trains the class preset, answers a quiz, fires the trigger and runs STRIP. Warm: the
    store holds the preset's models (``make warm``); cold: an empty store, so the first student's
    training is everyone's. ``pacing`` (``benchmarks.load.Pacing``): when students arrive and
    how long they read; by default all start at once and click on without reading. ``shots``: a
    folder for a screenshot of each session that fails. The server logs each page's script run
    (``ui/page_timing.py``), so the figures split the server's part from the browsers'.
    ``browsers_nice``: the browsers' niceness (19: the server's work goes first on the shared cores,
    as when the browsers are the students' own laptops). ``own_devices``: that many students, spread
    through the class, each get a browser of their own at normal priority (a student's own laptop)
    and their pages are reported apart, ``own_device_*``."""
    import tempfile
    from pathlib import Path

    from backdoor.classroom import join_link
    from backdoor.prepare import prepare
    from benchmarks.load import Pacing, class_load_test, serve

    pacing = pacing or Pacing()

    figures = {}
    for label in passes:
        with tempfile.TemporaryDirectory() as folder:
            store, db_url = Path(folder) / "models", f"sqlite:///{folder}/classroom.sqlite3"
            store.mkdir()
            if label == "warm":
                import os

                os.environ["BACKDOOR_LAB_STORE"] = str(store)
                try:
                    prepare(["classic-patch"], on_message=lambda _: None)
                finally:
                    del os.environ["BACKDOOR_LAB_STORE"]
            info = _class(db_url)
            pages = Path(folder) / "pages.jsonl"
            with serve(store, Path(folder) / "server.log",
                       env={"BACKDOOR_LAB_DB": db_url, "BACKDOOR_LAB_PAGE_TIMES": str(pages)}) as server:
                run = class_load_test(join_link(server.url, info), db_url, info.id, [server.pid], sessions,
                                      shots, pacing=pacing, page_log=pages, browsers_nice=browsers_nice,
                                      own_devices=own_devices)
            run["models_in_store"] = len(list(store.rglob("*.pt")))
        figures.update({f"{label}.{k}": v for k, v in run.items()})
    return figures


def class_path_paced(sessions: int = 24, passes: tuple[str, ...] = ("warm", "cold"), shots=None,
                     browsers_nice: int = 0, own_devices: int = 0) -> dict:
    """``class_path`` with a class's own pace, not lockstep: the 24 students arrive at random
    moments over 60 s (a link on the projector, typed or scanned over about a minute) and, before
    each click after joining, read the page for 5-15 s. Each lesson the path passes opens with
    about 85-125 words (lessons/start.md, poison.md, train.md, trigger.md), 25-35 s at a silent
    reading pace of 200-250 words a minute; 5-15 s is a student who skims, so the load here is
    still heavier than a class that reads. The draws are seeded (the same schedule every run);
    a step's time still runs from the click to the awaited text, the reading is not in it."""
    from benchmarks.load import Pacing

    return class_path(sessions, passes, pacing=Pacing(arrive_within=60.0, think=(5.0, 15.0)), shots=shots,
                      browsers_nice=browsers_nice, own_devices=own_devices)


def mixed() -> dict:
    """8 students train 8 different settings (poison rates no preset uses) on one server at once:
    the job queue runs one slot per core and the rest wait, each page saying its place."""
    import tempfile
    from pathlib import Path

    from benchmarks.load import mixed_load_test, serve

    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "models"
        store.mkdir()
        with serve(store, Path(folder) / "server.log") as server:
            return mixed_load_test(server, [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])


def replicas(sessions: int = 16) -> dict:
    """The class path through nginx in front of two replicas sharing one PostgreSQL and one (empty)
    model store: sticky sessions spread the class, and no model is trained twice."""
    import tempfile
    from pathlib import Path

    from backdoor.classroom import join_link
    from benchmarks.load import class_load_test
    from benchmarks.replicas import cluster

    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "models"
        store.mkdir()
        with cluster(store, Path(folder) / "cluster") as lab:
            info = _class(lab.db_url)
            run = class_load_test(join_link(lab.url, info), lab.db_url, info.id, [r.pid for r in lab.replicas],
                                  sessions)
            served = lab.folder / "nginx" / "access.log"
            run["requests_per_replica"] = [served.read_text().count(r.url.split("//")[1]) for r in lab.replicas]
        run["models_in_store"] = len(list(store.rglob("*.pt")))
    return run


def estimates() -> dict:
    """Estimates the app shows against what the same jobs take on this machine (ratio = actual /
    estimate; target 0.7-1.3 on an idle machine), then in a fresh ``streamlit run`` the first
    training after start against a second one (target: at most 2 s slower).

    Wall-clock ratios are only meaningful on an idle machine, so the same jobs are also compared
    in one thread's CPU seconds (one thread everywhere, measurements included): other processes
    hardly change those, so they check the estimates' counting of the work on a busy machine too."""
    from backdoor.busy import machine_load
    from backdoor.datasets import cache_dir

    figures: dict = {"cpu_in_use_before": machine_load().cpu_cores}
    figures.update(_estimates_against_actual("wall"))
    figures.update(_estimates_against_actual("cpu"))
    figures["cpu_in_use_after"] = machine_load().cpu_cores
    figures.update(_first_and_second_training(cache_dir()))
    return figures


def _estimates_against_actual(clock: str) -> dict:
    """Each job's estimate (from fresh measurements) and what it took: ``clock`` "wall" as users
    see it, or "cpu": one thread, durations in this thread's CPU seconds."""
    import os
    import tempfile
    import types

    from threadpoolctl import threadpool_limits

    from backdoor import estimates as E, timing
    from backdoor.attacks import poisonable
    from backdoor.datasets import load_dataset
    from backdoor.defenses.lab import Lab
    from backdoor.defenses.registry import DEFENSES
    from backdoor.presets import PRESETS
    from backdoor.scenario import Scenario, poisoned_training_set, train_model
    from backdoor.sweep import poison_rate_sweep, sweep_counts

    figures: dict = {}
    now = time.thread_time if clock == "cpu" else time.perf_counter
    threads = torch.get_num_threads()

    def compare(name: str, estimate: float, run):
        start = now()
        out = run()
        actual = now() - start
        figures[f"{clock}.{name}"] = f"estimate {estimate:.1f} s, actual {actual:.1f} s, ratio {actual / estimate:.2f}"
        print(f"  {clock}.{name}: {figures[f'{clock}.{name}']}", flush=True)
        return out

    with tempfile.TemporaryDirectory() as store, threadpool_limits(1 if clock == "cpu" else None):
        os.environ["BACKDOOR_LAB_STORE"] = store  # an empty model store: every model is trained, none read
        timing.MEASURED.clear()
        if clock == "cpu":
            torch.set_num_threads(1)
            timing.time = types.SimpleNamespace(perf_counter=time.thread_time, strftime=time.strftime)
        try:
            dataset, scenario = load_dataset("mnist-5k"), Scenario()
            shape = E.DataShape.of(dataset)
            timing.warm_up([shape.rig(scenario.model, "cpu")])  # as the app does at start-up
            backdoored, _ = compare("train_both_default", E.train_models(shape, scenario, "cpu").computed, lambda: (
                train_model(dataset, scenario), train_model(dataset, scenario.baseline(), measure_asr=False)))
            preset = PRESETS["stop-sign-sticker"].scenario
            signs = load_dataset(preset.dataset)
            compare("train_both_stop_sign_preset", E.train_models(E.DataShape.of(signs), preset, "cpu").computed,
                    lambda: (train_model(signs, preset), train_model(signs, preset.baseline(), measure_asr=False)))
            lab = Lab(dataset, scenario, backdoored.model, "benchmark", poisoned_training_set(dataset, scenario))
            settings = {"expected_fraction": scenario.poison.rate}
            for name in ("neural_cleanse", "fine_pruning", "strip", "activation_clustering", "spectral_signatures", "anp",
                         "scale_up", "abl"):
                compare(name, DEFENSES[name].estimate_job(shape, scenario, "cpu", settings).computed,
                        lambda name=name: DEFENSES[name].apply(lab, settings))
            counts = sweep_counts(len(dataset.y_train),
                                  int(poisonable(dataset.y_train, scenario.trigger, scenario.target).sum()))
            compare("sweep", E.sweep(shape, scenario, counts, "cpu").computed,
                    lambda: poison_rate_sweep(dataset, scenario, counts, "cpu"))
        finally:
            del os.environ["BACKDOOR_LAB_STORE"]
            timing.time = time
            torch.set_num_threads(threads)
            timing.MEASURED.clear()
    return figures


def _browser_cpu_seconds() -> float:
    """CPU seconds used so far by every Chromium process on this machine."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["name"]):
        try:
            if "chrom" in (process.info["name"] or ""):
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def _first_and_second_training(cache) -> dict:
    """A fresh server with an empty store and no timing records: train two new settings in the
    browser, reading the estimate the page shows and the training time it reports."""
    import os
    import re
    import shutil
    import tempfile
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from benchmarks.load import CHROMIUM, FLAGS, IDLE, serve

    figures = {}
    with tempfile.TemporaryDirectory() as fresh_cache, tempfile.TemporaryDirectory() as store:
        for data in Path(cache).glob("*.npz"):  # the parsed data sets, nothing else (no timing records)
            shutil.copy(data, fresh_cache)
        os.environ["BACKDOOR_LAB_CACHE"] = fresh_cache
        try:
            with serve(Path(store)) as server, sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = browser.new_page(viewport={"width": 1400, "height": 2400})
                page.goto(server.url)
                page.get_by_text("Your path").wait_for(timeout=120_000)
                for run, seed in (("first", 0), ("second", 1)):
                    if seed:  # other settings, so the models are trained, not found
                        page.get_by_role("spinbutton", name="Random seed").fill(str(seed))
                        page.keyboard.press("Enter")
                        page.wait_for_timeout(500)
                        page.locator(IDLE).wait_for(timeout=120_000)
                    shown = page.get_by_text("With these settings that takes")
                    for _ in range(120):  # a fresh server says "still being measured" until its warm-up has it
                        page.get_by_role("link", name="2. Train the models").first.click()
                        page.wait_for_timeout(500)
                        page.locator(IDLE).wait_for(timeout=120_000)
                        if shown.count():
                            break
                        page.wait_for_timeout(1000)
                    number, unit = re.search(r"about ([\d.]+) (s|minutes)", shown.inner_text()).groups()
                    estimate = float(number) * (60 if unit == "minutes" else 1)
                    start, browser_cpu = time.perf_counter(), _browser_cpu_seconds()
                    page.get_by_role("button", name="Train both models").click()
                    caption = page.get_by_text("Training took")
                    caption.wait_for(timeout=600_000)
                    wall = time.perf_counter() - start
                    # The browser shares this machine's cores here (a student's runs on their own laptop).
                    figures[f"{run}_browser_cores_while_training"] = round((_browser_cpu_seconds() - browser_cpu) / wall, 2)
                    took = [float(x) for x in re.findall(r"([\d.]+) s \(", caption.inner_text())]
                    figures[f"{run}_training"] = (f"shown about {estimate:g} s; click to results {wall:.1f} s; "
                                                  f"training loops {' + '.join(f'{t:.1f}' for t in took)} s")
                    figures[f"{run}_click_to_results_seconds"] = round(wall, 1)
                browser.close()
        finally:
            del os.environ["BACKDOOR_LAB_CACHE"]
    figures["first_minus_second_seconds"] = round(figures["first_click_to_results_seconds"]
                                                  - figures["second_click_to_results_seconds"], 1)
    return figures


def classroom_db() -> dict:
    """30 students x 20 events into SQLite and PostgreSQL, the writer SIGKILLed mid-stream
    (benchmarks/classroom_db.py)."""
    from benchmarks.classroom_db import classroom_db as run

    return run()


def tabular() -> dict:
    """The backdoor on the breast-cancer records, seeds 0-2 (benchmarks/tabular.py)."""
    from benchmarks.tabular import tabular as run

    return run()


def instant() -> dict:
    """`make warm`'s instant grid into an empty store (seconds, models, disk), then the instant panel's
    slider -> figures in Chromium, p50/p95 over 40 moves on the Train and Poison pages (benchmarks/instant.py).
    BENCH_INSTANT_STORE=<folder> keeps the grid there (warming only what it lacks)."""
    import os
    import tempfile
    from pathlib import Path

    from benchmarks.instant import slider_latency, warm_figures

    with tempfile.TemporaryDirectory() as scratch:
        store = Path(os.environ.get("BENCH_INSTANT_STORE") or scratch)
        return {**warm_figures(store), **slider_latency(store)}


def signs() -> dict:
    """The traffic signs drawn into an empty cache (train and test, 5,000 signs), on one core and on
    all of them, then read back from the cache; the pixels must come out the same."""
    import os
    import tempfile
    from unittest import mock

    import numpy as np

    from backdoor.datasets import traffic_signs

    figures, arrays = {}, {}
    for label, cores in (("one_core", 1), ("all_cores", os.cpu_count() or 1)):
        with tempfile.TemporaryDirectory() as cache, mock.patch.dict(os.environ, {"BACKDOOR_LAB_CACHE": cache}), \
                mock.patch.object(traffic_signs.os, "cpu_count", lambda cores=cores: cores):
            start = time.perf_counter()
            drawn = traffic_signs.load_traffic_signs(seed=0)
            figures[f"drawn_seconds_{label}"] = round(time.perf_counter() - start, 2)
            signs_drawn = len(drawn.x_train) + len(drawn.x_test)  # what the next set's first-load note quotes:
            figures[f"note_then_says_seconds_{label}"] = round(traffic_signs.seconds_per_sign() * signs_drawn, 2)
            start = time.perf_counter()
            traffic_signs.load_traffic_signs(seed=0)
            figures["read_back_seconds"] = round(time.perf_counter() - start, 3)
            arrays[label] = drawn.x_train.numpy()
    figures["cores"] = os.cpu_count()
    figures["same_pixels"] = bool(np.array_equal(arrays["one_core"], arrays["all_cores"]))
    # Two readers at once (the start-up warm-up and a user's first pick): the second waits for the first's file.
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory() as cache, mock.patch.dict(os.environ, {"BACKDOOR_LAB_CACHE": cache}):
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            both = list(pool.map(lambda _: traffic_signs.load_traffic_signs(seed=0), range(2)))
        figures["two_readers_at_once_seconds"] = round(time.perf_counter() - start, 2)
        figures["two_readers_same_pixels"] = all(np.array_equal(d.x_train.numpy(), arrays["all_cores"]) for d in both)
    return figures


def gpu() -> dict:
    """The default scenario, each defense and the whole matrix on a CUDA GPU, beside that machine's CPU
    (benchmarks/gpu.py; run it on the lent GPU machine)."""
    from benchmarks.gpu import gpu_figures

    return gpu_figures()


BENCHMARKS: dict[str, Callable[..., dict]] = {
    "default_scenario": default_scenario,
    "attribution": attribution,
    "defenses": defenses,
    "defenses_seeds": defenses_seeds,
    "matrix": matrix,
    "warm": warm,
    "load": load,
    "class_path": class_path,
    "class_path_paced": class_path_paced,
    "mixed": mixed,
    "replicas": replicas,
    "estimates": estimates,
    "classroom_db": classroom_db,
    "tabular": tabular,
    "instant": instant,
    "signs": signs,
    "gpu": gpu,
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
    parser.add_argument("--seed", type=int, help="the lab's seed, for the benchmarks that take one (default 0)")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice, one per core)")
    parser.add_argument("--browsers-nice", type=int, help="start the class walks' browsers at this niceness (19: the "
                        "server's work goes first on the shared cores)")
    parser.add_argument("--own-devices", type=int, help="in the class walks, this many students get a browser of their "
                        "own at normal priority (a student's laptop), reported apart")
    args = parser.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    options = {}
    for flag, option in (("--seed", "seed"), ("--browsers-nice", "browsers_nice"), ("--own-devices", "own_devices")):
        if getattr(args, option) is None:
            continue
        taking = [name for name in BENCHMARKS if option in inspect.signature(BENCHMARKS[name]).parameters]
        if any(name not in taking for name in chosen):
            parser.error(f"{flag} applies to {', '.join(taking)} only: choose with --only")
        options[option] = getattr(args, option)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    results = {}
    for name in chosen:
        print(f"running {name}...", flush=True)
        results[name] = BENCHMARKS[name](**options)
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
