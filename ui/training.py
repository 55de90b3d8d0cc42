"""Train (or fetch from the shared memo) the backdoored and baseline models, with live progress."""

from __future__ import annotations

import time

import streamlit as st
import torch

from backdoor import estimates
from backdoor.attacks import Poisoned
from backdoor.datasets import Dataset
from backdoor.estimates import DataShape, Estimate
from backdoor.kinds import LABELS
from backdoor.scenario import Scenario, train_model
from backdoor.store import load_model, save_model, trained_scenario
from backdoor.train import Progress, TrainingDiverged, TrainResult
from ui.charts import CHART_CONFIG, training_curves
from ui.progress import with_time_left
from ui.resources import model_key, poisoned_set, trained_models
from ui.state import current_scenario
from ui.waiting import busy_note, here, job, record


KINDS = LABELS  # model kind -> its label on the page
FAILED = "train.failed"  # (settings, explanation) of the last run that collapsed or diverged


def cached_models(dataset: Dataset, scenario: Scenario, device: torch.device) -> dict[str, TrainResult]:
    """The models already trained for these settings: by anyone on this server, or earlier
    and kept in the on-disk model store (``make warm`` fills it before a class)."""
    memo = trained_models()
    found = {}
    for kind in KINDS:
        key = model_key(scenario, device, kind)
        result = memo.get(key)
        if result is None:
            stored = load_model(scenario, kind, dataset.image_shape, dataset.num_classes, device)
            result = memo.get_or_compute(key, lambda stored=stored: stored) if stored is not None else None
        if result is not None:
            found[kind] = result
    return found


def training_estimate(dataset: Dataset, scenario: Scenario, device: torch.device,
                      missing: list[str] | None = None) -> Estimate:
    """How long training the missing models (default: both) takes on this server."""
    return estimates.train_models(DataShape.of(dataset), scenario, device, missing or list(KINDS))


def settings_id(scenario: Scenario, device: torch.device) -> str:
    return repr((scenario, str(device)))


def training_failure(scenario: Scenario, device: torch.device) -> str | None:
    """Why the last run with these very settings failed (kept until the settings change)."""
    failed = st.session_state.get(FAILED)
    if failed is None:
        return None
    if failed[0] != settings_id(scenario, device):
        del st.session_state[FAILED]  # other settings now: the explanation no longer applies
        return None
    return failed[1]


def train_models(dataset: Dataset, scenario: Scenario, device: torch.device) -> dict[str, TrainResult] | None:
    """Train whatever is missing, drawing a progress bar and live curves; None on failure (the
    explanation is kept for :func:`training_failure`)."""
    memo = trained_models()
    st.session_state.pop(FAILED, None)
    bar = st.progress(0.0, text="Starting...")
    chart = st.empty()
    histories: dict[str, list] = {}
    results: dict[str, TrainResult] = {}
    trained_here: list[str] = []
    with job("training") as running:
        for step, (kind, label) in enumerate(KINDS.items()):
            key = model_key(scenario, device, kind)
            last_draw = [0.0]

            def on_progress(done: int, total: int, info: Progress, kind=kind, label=label, step=step) -> None:
                now = time.perf_counter()
                if info.record is None and now - last_draw[0] < 0.25 and done < total:
                    return  # a few updates a second are plenty, and keep the page responsive
                last_draw[0] = now
                fraction = min((step + done / total) / len(KINDS), 1.0)
                text = (f"{label}: epoch {info.epoch} of {info.epochs}, batch {info.batch} of {info.batches}, "
                        f"loss {info.loss:.3f}")
                bar.progress(fraction, text=with_time_left(text, now - running.started, fraction))
                if info.record is not None:
                    histories.setdefault(kind, []).append(info.record)
                    chart.plotly_chart(training_curves(histories, info.epochs, dataset.num_classes),
                                       key=f"live.{label}.{info.epoch}", config=CHART_CONFIG)

            def compute(kind=kind, on_progress=on_progress) -> TrainResult:
                stored = load_model(scenario, kind, dataset.image_shape, dataset.num_classes, device)
                if stored is not None:
                    return stored
                result = train_model(dataset, trained_scenario(scenario, kind), device, on_progress,
                                     measure_asr=kind == "backdoored")
                if not result.cancelled:
                    save_model(scenario, kind, result)
                    trained_here.append(kind)
                return result

            if memo.is_busy(key):
                bar.progress(step / len(KINDS), text=f"{label}: someone else is training these exact settings; waiting for it...")
            try:
                results[kind] = memo.get_or_compute(key, compute)
            except TrainingDiverged as error:
                bar.empty()
                chart.empty()
                st.session_state[FAILED] = (settings_id(scenario, device), f"**{label}:** {error}")
                return None
            histories[kind] = results[kind].history
    if trained_here:  # what it took here is the next estimate for the same job (when it ran alone)
        record(training_estimate(dataset, scenario, device, trained_here), running)
    bar.progress(1.0, text="Done: both models are trained.")
    chart.empty()
    return results


def training_took(results: dict[str, TrainResult], device: torch.device) -> str:
    """The Train page's caption: what training took, and which models came from the model store."""
    return estimates.training_took([(KINDS[kind].lower(), r.seconds, r.trained_on, r.from_store)
                                    for kind, r in results.items()], device.type)


def scenario_or_stop() -> Scenario:
    """The current scenario; impossible settings get a clear message and stop the page."""
    try:
        return current_scenario()
    except ValueError as error:
        st.error(f"These settings do not work: {error}")
        st.stop()


def poisoned_or_stop(dataset: Dataset, scenario: Scenario) -> Poisoned:
    """The poisoned training set, or a clear message (e.g. more poison than the attack can place) and stop."""
    try:
        return poisoned_set(dataset, scenario)
    except ValueError as error:
        st.error(f"These settings do not work: {error}")
        st.stop()


def trained_or_stop(dataset: Dataset, scenario: Scenario, device: torch.device) -> tuple[dict[str, TrainResult], dict[str, str]]:
    """The trained models for these settings and their cache ids, or a pointer to step 2 and stop."""
    models = cached_models(dataset, scenario, device)
    if len(models) < len(KINDS):
        estimate = training_estimate(dataset, scenario, device, [k for k in KINDS if k not in models])
        st.warning(f"No trained models for the current settings yet. Train them first ({here(estimate)}).{busy_note()}")
        st.page_link("pages/train.py", label="Go to step 2: train the models", icon=":material/model_training:")
        st.stop()
    return models, {kind: repr(model_key(scenario, device, kind)) for kind in KINDS}
