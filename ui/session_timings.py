"""The Classroom page's "Preparing any session": which presets are prepared, what warming the rest
takes, and how long each step of a session takes on this server.

Every time here is this server's own measurement. A server just started is still measuring (the
start-up warm-up, ``ui.waiting``): the section is drawn at once from what is known and fills itself
in as the figures arrive (``live_figures``), so an instructor never waits on a spinner.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from backdoor import estimates, timing
from backdoor.defenses.registry import DEFENSES
from backdoor.matrix import MatrixConfig
from backdoor.matrix import estimate as matrix_estimate
from backdoor.prepare import to_train
from backdoor.presets import PRESETS
from backdoor.scenario import Scenario
from backdoor.store import store_dir
from backdoor.sweep import sweep_counts
from backdoor.train_options import OPTIONS, variant
from ui.presets_view import PRESET_MEASURING, preset_figures, preset_timing
from ui.waiting import busy_note, here, live_figures, preset_shape
from ui.words import agree, count_of, percent


@dataclass(frozen=True)
class Timings:
    presets: dict[str, str]  # preset name -> "ready: ..." or how long training it takes
    warming: str  # what `make warm` has left to do, and its time
    steps: list[dict[str, str]]  # the session's steps and their times


def warming_sentence(device: torch.device) -> str:
    """What warming the rest trains, and how long: the sum of the per-model estimates the presets table
    shows, so the whole is never less than one of its parts. Raises ``timing.NotMeasuredYet`` while a
    figure it needs is still being measured (under ``timing.measured_only``)."""
    todo = to_train()
    if not todo:
        return "Nothing is left to warm."
    shapes = {p.scenario.dataset: preset_shape(p.scenario) for p, _ in todo}
    if not all(shapes.values()):
        raise timing.NotMeasuredYet("a preset's data set is still being read")
    seconds = sum(estimates.train_models(shapes[p.scenario.dataset], p.scenario, device, [kind]).seconds
                  for p, kind in todo)
    return f"Warming the rest trains {count_of(len(todo), 'model')}, {here(estimates.Estimate.of('warm', tuple(todo), seconds))}."


def session_steps(device: torch.device) -> list[dict[str, str]]:
    """Each step of a session on the default digits, and its time on this server."""
    digits = Scenario()
    shape = preset_shape(digits)
    counts = sweep_counts(shape.train, int(shape.moved(shape.train, digits.target)))
    options = [variant(digits, name) for name in OPTIONS if name != "none"]
    retrain = estimates.retrain_seconds(shape, digits, device)
    steps = [
        {"step": "Train both models (default digits)",
         "time": f"{here(estimates.train_models(shape, digits, device))}; instant for a prepared preset or a repeat"},
        {"step": f"Poison-rate sweep (Poison page, {len(counts)} models)",
         "time": here(estimates.sweep(shape, digits, counts, device))},
        {"step": f"Compare augmentation and mixup (Train page, {len(options)} models)",
         "time": here(estimates.trainings(shape, options, device, measure_asr=True))},
        {"step": "Neural Cleanse with unlearning (Defend page)",
         "time": here(DEFENSES["neural_cleanse"].estimate_job(shape, digits, device))},
    ]
    for name, defense in DEFENSES.fitting("image").items():
        if name == "neural_cleanse" or not defense.repairs:
            continue
        retraining = (f", plus {estimates.about(retrain)} to retrain without the flagged images"
                      if defense.needs_training_data else "")
        steps.append({"step": f"{defense.title} (Defend page)",
                      "time": here(defense.estimate_job(shape, digits, device)) + retraining})
    steps.append({"step": "Attack x defense matrix (digits)",
                  "time": f"{here(matrix_estimate(shape, MatrixConfig(), device))} the first time, instant afterwards"})
    return steps


def timings(device: torch.device) -> Timings:
    """Every figure of the section; raises ``timing.NotMeasuredYet`` (under ``timing.measured_only``)
    while any of them is still being measured."""
    presets = {preset.name: preset_timing(preset, device) for preset in PRESETS.values()}
    if PRESET_MEASURING in presets.values():
        raise timing.NotMeasuredYet("a preset's training time")
    return Timings(presets, warming_sentence(device), session_steps(device))


def draw(known: Timings | None, device: torch.device, busy: str) -> None:
    """The section from ``known``, or (still measuring) from what is known so far, saying what is not."""
    presets = known.presets if known else {p.name: preset_timing(p, device, wait=False) for p in PRESETS.values()}
    rows, measured = [], 0
    for preset in PRESETS.values():
        asr, acc, here_ = preset_figures(preset, device)
        measured += here_
        rows.append({"preset": preset.title, "attack success": percent(asr) + ("" if here_ else " (expected)"),
                     "clean accuracy": percent(acc) + ("" if here_ else " (expected)"),
                     "prepared": ("ready, opens instantly" if presets[preset.name].startswith("ready")
                                  else f"not yet: {presets[preset.name]}")})
    st.table(rows)
    ready = sum(r["prepared"].startswith("ready") for r in rows)
    if known:
        warming = known.warming
    else:  # the store read here only: a known section has it in its warming sentence already
        left = len(to_train())
        warming = ("Nothing is left to warm." if not left
                   else f"Warming the rest trains {count_of(left, 'model')} ({agree(left, 'its', 'their')} time is still being measured on this server).")
    st.caption(f"{figures_note(measured, len(rows))} {ready} of {len(rows)} presets {agree(ready, 'is', 'are')} "
               f"prepared in `{store_dir()}`. {warming} Set BACKDOOR_LAB_STORE to share one folder between servers.")
    st.subheader("Expected timings during the session (measured on this server)")
    if known is None:
        st.info("This server started a moment ago and is still timing each step of a session on its own "
                "processor. The table appears here by itself as soon as it is measured; nothing needs reloading.",
                icon=":material/schedule:")
        return
    st.table(known.steps)
    st.caption("Each time is this server's own: a few steps of each job's real code were timed here and scaled to "
               "the job's size, or the same job was timed when it last ran alone." + busy)


def figures_note(measured: int, presets: int) -> str:
    """Where the table's figures come from, when ``measured`` of the ``presets`` were measured on this server."""
    here_ = "measured on this server, on the very models the pages show"
    if measured == presets:
        return f"Every figure was {here_}."
    expected = ('A figure marked "(expected)" is what `make warm` measured on a 2-core laptop; training here '
                "reproduces it within a few points, and once a prepared preset has been measured here its own "
                "figures take its place.")
    if not measured:
        return expected
    return f"{measured} of {presets} presets {agree(measured, 'shows', 'show')} figures {here_}. {expected}"


def preparation_section(device: torch.device) -> Timings | None:
    """Drawn at once; a server still measuring fills it in by itself once the figures are known."""
    busy = busy_note()  # the machine's load read once, not at each redraw
    return live_figures(lambda: timings(device), lambda known: draw(known, device, busy))
