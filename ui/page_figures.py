"""The figures the story's pages show for one scenario, each measured once per server.

The Poison page's stealth figures, the Train page's calibration curves and headline figures, and
the Trigger page's counts over every test image: every session reads the same ones
(``ui.training.measured_once``). The first student to open a page would measure them, on a
server that a whole class is loading at that moment; :func:`measure_ahead` measures them for a
scenario whose models are in the store, so a start-up thread can do it before anyone asks.
"""

from __future__ import annotations

import atexit
import logging
import threading

import streamlit as st
import torch

from backdoor.attacks import stealth, unchanged
from backdoor.calibration import Calibration, calibration
from backdoor.datasets import DEFAULT_DATASET, Dataset
from backdoor.device import resolve_device
from backdoor.metrics import predict_proba
from backdoor.presets import PRESETS
from backdoor.scenario import Scenario, trigger_counts
from backdoor.train import TrainResult
from ui.resources import dataset_named, poisoned_set
from ui.training import KINDS, cached_models, measured_once, model_figures

LOG = logging.getLogger(__name__)
EXIT_WAIT_SECONDS = 60  # at exit, the longest wait for a measurement under way (torch must not be torn down under it)


def stealth_figures(dataset: Dataset, scenario: Scenario, device: torch.device | str) -> dict:
    """How visible the trigger is (L-infinity, PSNR, SSIM) on the poisoned training images themselves, each
    against its clean original, so that they describe what the attacker did; no model involved. ``blank``:
    how many poisoned images the trigger left pixel for pixel as they were (black ink on black)."""
    def measure() -> dict:
        poisoned = poisoned_set(dataset, scenario)
        clean, stamped = dataset.x_train[poisoned.poisoned_mask], poisoned.x[poisoned.poisoned_mask]
        return {**stealth(clean, stamped), "blank": int(unchanged(clean, stamped).sum())}

    return measured_once("stealth", dataset, scenario, device, kinds=(), compute=measure)


def calibration_curves(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult],
                       device: torch.device | str) -> dict[tuple[str, str], Calibration]:
    """Each model's calibration on the held-out images; the backdoored one's on triggered ones too."""
    x, y = dataset.held_out
    movable = scenario.attackable(y)
    return {
        ("baseline", "clean"): calibration(predict_proba(models["baseline"].model, x, device), y),
        ("backdoored", "clean"): calibration(predict_proba(models["backdoored"].model, x, device), y),
        ("backdoored", "triggered"): calibration(
            predict_proba(models["backdoored"].model, scenario.stamp(x, dataset.held_out_objects)[movable], device),
            y[movable]),
    }


def calibration_figures(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult],
                        device: torch.device | str) -> dict[tuple[str, str], Calibration]:
    return measured_once("calibration", dataset, scenario, device,
                         lambda: calibration_curves(dataset, scenario, models, device), kinds=KINDS)


def trigger_figures(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult], device: torch.device | str):
    """The backdoored model's predictions on every held-out image, with and without the trigger."""
    return measured_once("trigger counts", dataset, scenario, device,
                         lambda: trigger_counts(models["backdoored"].model, dataset, scenario, device))


def measure_ahead(dataset: Dataset, scenario: Scenario, device: torch.device | str) -> bool:
    """Every figure above, and the models' headline figures, for a scenario whose two models are
    in the model store (loaded into the server's memo on the way). False, measuring nothing,
    when they are not: training is a student's choice, never the server's own."""
    models = cached_models(dataset, scenario, torch.device(device))
    if len(models) < len(KINDS):
        return False
    stealth_figures(dataset, scenario, device)
    model_figures(dataset, scenario, torch.device(device), models)
    calibration_figures(dataset, scenario, models, device)
    trigger_figures(dataset, scenario, models, device)
    return True


def _presets_ahead(device: str) -> None:
    for scenario in dict.fromkeys([Scenario(), *(p.scenario for p in PRESETS.values())]):
        if scenario.dataset != DEFAULT_DATASET:  # (other data sets take long to read the first time)
            continue
        try:
            measure_ahead(dataset_named(scenario.dataset, scenario.data_seed), scenario, device)
        except Exception:  # noqa: BLE001 - the pages measure them themselves; this only saves them time
            LOG.warning("Measuring a preset's page figures ahead failed", exc_info=True)


@st.cache_resource(max_entries=1, show_spinner=False)
def start_measuring_ahead() -> threading.Thread | None:
    """Once per server process, in a daemon thread: :func:`measure_ahead` for the default scenario and
    every preset on the default data set whose models are in the store, so a class arriving on a
    preset that `make warm` stored finds its pages' figures ready."""
    if st.get_option("global.appTest"):  # app tests measure what they use
        return None
    thread = threading.Thread(target=_presets_ahead, args=(resolve_device().type,), name="backdoor-lab-figures-ahead",
                              daemon=True)
    atexit.register(thread.join, EXIT_WAIT_SECONDS)
    thread.start()
    return thread
