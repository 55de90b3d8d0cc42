"""The figures the story's pages show for one scenario, each measured once per server.

The Poison page's stealth figures, the Train page's calibration curves and headline figures, and
the Trigger page's counts over every test image: every session reads the same ones
(``ui.training.measured_once``). The first student to open a page would measure them, on a
server that a whole class is loading at that moment; :func:`measure_ahead` measures them for a
scenario whose models are in the store, so the start-up warm-up can do it before anyone asks.
"""

from __future__ import annotations

import torch

from backdoor.attacks import stealth
from backdoor.calibration import Calibration, calibration
from backdoor.datasets import Dataset
from backdoor.metrics import predict_proba
from backdoor.scenario import Scenario, trigger_counts
from backdoor.store import is_stored
from backdoor.train import TrainResult
from ui.training import KINDS, cached_models, measured_once, model_figures

STEALTH_IMAGES = 200  # the first test images, stamped, against themselves


def stealth_figures(dataset: Dataset, scenario: Scenario, device: torch.device | str) -> dict:
    """How visible the trigger is (L-infinity, PSNR, SSIM) on the first test images; no model involved."""
    clean = dataset.x_test[:STEALTH_IMAGES]
    return measured_once("stealth", dataset, scenario, device, kinds=(), compute=lambda: stealth(
        clean, scenario.stamp(clean, dataset.test_objects(slice(None, STEALTH_IMAGES)))))


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
    when they are not: training is a student's choice, never the warm-up's."""
    if not all(is_stored(scenario, kind) for kind in KINDS):
        return False
    models = cached_models(dataset, scenario, torch.device(device))
    if len(models) < len(KINDS):
        return False
    stealth_figures(dataset, scenario, device)
    model_figures(dataset, scenario, torch.device(device), models)
    calibration_figures(dataset, scenario, models, device)
    trigger_figures(dataset, scenario, models, device)
    return True
