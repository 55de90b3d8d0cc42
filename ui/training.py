"""Train (or fetch from the shared memo) the backdoored and baseline models, with live progress."""

from __future__ import annotations

from typing import Callable

import streamlit as st
import torch

from backdoor import estimates
from backdoor.attacks import Poisoned
from backdoor.datasets import Dataset
from backdoor.estimates import DataShape, Estimate
from backdoor.kinds import LABELS, labels
from backdoor.scenario import Scenario, train_model, trigger_report
from backdoor.store import load_model, save_model, trained_scenario
from backdoor.train import Progress, TrainingDiverged, TrainResult
from ui.charts import CHART_CONFIG, training_curves
from ui.jobs import offer_job, shared_memo
from ui.live_curve import BatchCurve
from ui.progress import ProgressBar
from ui.readings import learnt_nothing, model_name
from ui.resources import model_key, poisoned_set, trained_models
from ui.state import current_scenario, is_stakeholder
from ui.waiting import busy_note, here
from ui.url_state import link


KINDS = LABELS  # model kind -> its label on the page


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


def model_figures(dataset: Dataset, scenario: Scenario, device: torch.device,
                  models: dict[str, TrainResult]) -> dict[str, dict]:
    """Each model's headline figures (``trigger_report``), measured once per server for each
    model and scenario: every page and every session shows the same numbers without measuring
    them again on each rerun."""
    memo = _figures_memo()
    return {kind: memo.get_or_compute(_figures_key(scenario, device, kind, dataset.name),
                                      lambda kind=kind: trigger_report(models[kind].model, dataset, scenario))
            for kind in models}


def warn_if_learnt_nothing(dataset: Dataset, scenario: Scenario, device: torch.device,
                           models: dict[str, TrainResult]) -> None:
    """A warning at the top of a page that reads the lab's model when that model only guesses."""
    clean_acc = model_figures(dataset, scenario, device, {"backdoored": models["backdoored"]})["backdoored"]["clean_acc"]
    words = learnt_nothing(model_name(scenario.poison.rate), clean_acc, dataset.num_classes)
    if words:
        st.warning(words, icon=":material/warning:")


def figures_if_measured(scenario: Scenario, device: torch.device) -> dict[str, float] | None:
    """The backdoored model's headline figures for ``scenario`` (``model_figures``) when this server has
    measured them already (a page showed them, or ``ui.page_figures`` measured a stored preset ahead);
    None otherwise. Never measures, never waits."""
    return _figures_memo().get(_figures_key(scenario, device, "backdoored", scenario.dataset))


def _figures_memo():
    return shared_memo("figures", 32)


def _figures_key(scenario: Scenario, device: torch.device, kind: str, dataset: str) -> tuple:
    return model_key(scenario, device, kind), scenario, dataset


def measured_once(what: str, dataset: Dataset, scenario: Scenario, device: torch.device, compute: Callable[[], object],
                  kinds: tuple[str, ...] = ("backdoored",)):
    """``compute()`` (``what`` a page measures on the models of ``kinds`` under this scenario) once per
    server: every session and rerun after the first reads it back. Keyed by the full configuration
    of each model it reads, as ``model_figures`` is, so two settings never share a figure."""
    key = (what, tuple(model_key(scenario, device, kind) for kind in kinds), scenario, dataset.name)
    return shared_memo("page figures", 64).get_or_compute(key, compute)


def training_estimate(dataset: Dataset, scenario: Scenario, device: torch.device,
                      missing: list[str] | None = None) -> Estimate:
    """How long training the missing models (default: both) takes on this server."""
    return estimates.train_models(DataShape.of(dataset), scenario, device, missing or list(KINDS))


def offer_training(dataset: Dataset, scenario: Scenario, device: torch.device,
                   estimate: Estimate | Callable[[], Estimate],
                   on_done: Callable[[dict[str, TrainResult]], None]) -> None:
    """The Train button: trains whatever is missing with a progress bar, live curves and a Stop
    button, shares each model with the server (and the model store), then redraws the page."""
    trained_here: list[str] = []
    plain = is_stakeholder()
    offer_job("Train both models", "btn.train", "training", estimate,
              lambda bar: _train_missing(dataset, scenario, device, bar, trained_here, plain),
              on_done=on_done, stop="Stop training", settings=(scenario, str(device)),
              measured=lambda _: training_estimate(dataset, scenario, device, trained_here) if trained_here else None,
              type="primary", icon=":material/play_arrow:")


def progress_words(label: str, info: Progress, plain: bool = False) -> str:
    """The training bar's words; ``plain`` (a stakeholder's): passes through the data, no batch or loss."""
    if plain:
        return f"{label}: learning, pass {info.epoch} of {info.epochs} through the training pictures"
    return f"{label}: epoch {info.epoch} of {info.epochs}, batch {info.batch} of {info.batches}, loss {info.loss:.3f}"


def _train_missing(dataset: Dataset, scenario: Scenario, device: torch.device, bar: ProgressBar,
                   trained_here: list[str], plain: bool = False) -> dict[str, TrainResult]:
    """Both models, from the shared memo, the model store or training here (named in
    ``trained_here``), drawing the live curves as each epoch ends (``plain``: words only, as a
    stakeholder sees the Train page)."""
    memo = trained_models()
    names = labels(scenario.poison.rate)  # nothing poisoned: no "backdoored" model
    first_epoch = BatchCurve(st.empty(), names=names)  # moves within a second; the epoch curves below need a whole epoch
    chart = st.empty()
    histories: dict[str, list] = {}
    results: dict[str, TrainResult] = {}
    for step, (kind, label) in enumerate(names.items()):
        def on_progress(done: int, total: int, info: Progress, kind=kind, label=label, step=step) -> None:
            bar(step * total + done, len(KINDS) * total, progress_words(label, info, plain))
            if not plain:
                first_epoch(kind, info)
            if info.record is not None and not plain:
                histories.setdefault(kind, []).append(info.record)
                chart.plotly_chart(training_curves(histories, info.epochs, dataset.num_classes, names),
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

        key = model_key(scenario, device, kind)
        if memo.is_busy(key):
            bar(step, len(KINDS), f"{label}: someone else is training these exact settings; waiting for it...")
        try:
            results[kind] = memo.get_or_compute(key, compute)
        except TrainingDiverged as error:
            chart.empty()
            first_epoch.where.empty()
            raise TrainingDiverged(f"**{label}:** {error}") from error
        histories[kind] = results[kind].history
    chart.empty()
    first_epoch.where.empty()
    return results


def training_took(results: dict[str, TrainResult], device: torch.device, names: dict[str, str] = LABELS) -> str:
    """The Train page's caption: what training took, and which models came from the model store."""
    return estimates.training_took([(names[kind].lower(), r.seconds, r.trained_on, r.from_store)
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
        link("pages/train.py", label="Go to step 2: train the models", icon=":material/model_training:")
        st.stop()
    return models, {kind: repr(model_key(scenario, device, kind)) for kind in KINDS}
