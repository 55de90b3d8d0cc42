"""Running any defense on a lab scenario: a registry from defense name to its runner.

A runner takes the ``Lab`` (what the defender has) and the defense's settings and returns
``(result, after)``: the defense's own result object and how the model does after it
(``Evaluation`` on images the defense never saw). The Defend page and the benchmark use it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import torch
from torch import nn

from backdoor.attacks import Poisoned, attack_labels, attackable
from backdoor.data import Dataset
from backdoor.defenses.activation_clustering import ActivationClusteringConfig, activation_clustering
from backdoor.defenses.common import Evaluation, ProgressFn, evaluate
from backdoor.defenses.compression import CompressionConfig, compression_study
from backdoor.defenses.fine_pruning import FinePruningConfig, fine_pruning
from backdoor.defenses.neural_cleanse import NeuralCleanseConfig, neural_cleanse, unlearn
from backdoor.defenses.spectral_signatures import SpectralSignaturesConfig, spectral_signatures
from backdoor.defenses.strip import StripConfig, strip
from backdoor.metrics import predict
from backdoor.scenario import Scenario
from models import MODELS


@dataclass(frozen=True, eq=False)
class Lab:
    """What the defender works with. The clean test set is split in two: the defender's
    small clean set, and held-out images that every "after" figure is measured on."""

    dataset: Dataset
    scenario: Scenario
    model: nn.Module  # the (shared, cached) backdoored model: defenses copy it
    model_id: str
    poisoned: Poisoned
    attack_known: bool = True  # False when auditing a model from elsewhere: the scenario's trigger is a guess

    @property
    def half(self) -> int:
        return self.dataset.defender_size

    @property
    def clean(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.dataset.defender_set

    @property
    def held_out(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.dataset.held_out

    def evaluate(self, model: nn.Module) -> Evaluation:
        return evaluate(model, *self.held_out, self.scenario.trigger, self.scenario.target)

    @property
    def gradcam_layer(self) -> str:
        return MODELS[self.scenario.model].gradcam_layer


DEFAULT_CONFIGS = {  # each defense's settings when nobody changes them (the matrix's cache key includes them)
    "activation_clustering": ActivationClusteringConfig(),
    "spectral_signatures": SpectralSignaturesConfig(),
    "neural_cleanse": NeuralCleanseConfig(),
    "fine_pruning": FinePruningConfig(),
    "strip": StripConfig(),
    "compression": CompressionConfig(),
}
# The settings a page may pass, and the config field each one sets: (defense, field).
SETTINGS = {
    "expected_fraction": ("spectral_signatures", "expected_poison_fraction"),
    "budget": ("fine_pruning", "accuracy_budget"),
    "frr": ("strip", "frr"),
}


def configured(name: str, settings: dict):
    """The defense's default config with whatever ``settings`` change for it."""
    changes = {field: settings[key] for key, (defense, field) in SETTINGS.items() if defense == name and key in settings}
    return replace(DEFAULT_CONFIGS[name], **changes)


def run_activation_clustering(lab: Lab, settings: dict, on_progress: ProgressFn):
    config = configured("activation_clustering", settings)
    result = activation_clustering(lab.model, lab.poisoned.x, lab.poisoned.y, config, on_progress)
    return result, None  # the "after" comes from the retrain action


def run_spectral_signatures(lab: Lab, settings: dict, on_progress: ProgressFn):
    config = configured("spectral_signatures", settings)
    return spectral_signatures(lab.model, lab.poisoned.x, lab.poisoned.y, config, on_progress), None


def run_neural_cleanse(lab: Lab, settings: dict, on_progress: ProgressFn):
    x, y = lab.clean
    config = configured("neural_cleanse", settings)
    result = neural_cleanse(lab.model, x, y, lab.dataset.num_classes, config, on_progress)
    repaired = unlearn(lab.model, result, x, y, config, on_progress)
    return {"detection": result, "model": repaired}, lab.evaluate(repaired)


def run_fine_pruning(lab: Lab, settings: dict, on_progress: ProgressFn):
    x, y = lab.clean
    config = configured("fine_pruning", settings)
    result = fine_pruning(lab.model, lab.gradcam_layer, x, y, *lab.held_out, lab.scenario.trigger,
                          lab.scenario.target, config, on_progress)
    return result, result.after_fine_tuning


def run_strip(lab: Lab, settings: dict, on_progress: ProgressFn):
    x, y = lab.clean
    x_eval, y_eval = lab.held_out
    target = lab.scenario.target
    movable = attackable(y_eval, target)
    others = x_eval[movable]
    pool = lab.dataset.x_train[~lab.poisoned.poisoned_mask][:2000]  # the defender's clean reference images
    triggered = lab.scenario.stamp(others)
    result = strip(lab.model, pool, x, x_eval, triggered, configured("strip", settings), on_progress)
    # As a monitor in front of the model: a rejected input gets no answer, so it counts as
    # neither correct (clean) nor hijacked (triggered).
    device = next(lab.model.parameters()).device
    served_clean = result.clean_entropy >= result.threshold
    served_triggered = result.triggered_entropy >= result.threshold
    clean_ok = (predict(lab.model, x_eval, device) == y_eval) & served_clean
    goal = attack_labels(y_eval[movable], target, lab.dataset.num_classes)
    hijacked = (predict(lab.model, triggered, device) == goal) & served_triggered
    return result, Evaluation(float(clean_ok.float().mean()), float(hijacked.float().mean()))


def run_compression(lab: Lab, settings: dict, on_progress: ProgressFn):
    result = compression_study(lab.model, *lab.held_out, lab.scenario.trigger, lab.scenario.target,
                               configured("compression", settings), on_progress)
    int8 = next((r for r in result.rows if "int8" in r.setting), None)
    return result, Evaluation(int8.clean_acc, int8.asr) if int8 else None


RUNNERS: dict[str, Callable[[Lab, dict, ProgressFn], tuple[Any, Evaluation | None]]] = {
    "activation_clustering": run_activation_clustering,
    "spectral_signatures": run_spectral_signatures,
    "neural_cleanse": run_neural_cleanse,
    "fine_pruning": run_fine_pruning,
    "strip": run_strip,
    "compression": run_compression,
}


def retrain_without(lab: Lab, flags: torch.Tensor, on_progress=None):
    """The action after a data-inspection defense: drop the flagged samples, train afresh."""
    from backdoor.scenario import train_model

    keep = ~flags
    cleaned = lab.poisoned.subset(keep)
    device = next(lab.model.parameters()).device
    result = train_model(lab.dataset, lab.scenario, device, on_progress, training_set=cleaned)
    return result.model, lab.evaluate(result.model)


def outcome(lab: Lab, name: str, result, after: Evaluation | None, seconds: float):
    """One run of defense ``name`` as an :class:`~backdoor.outcomes.Outcome` (what it found and,
    when it repaired, the figures after), or None for a study that repairs nothing (compression)."""
    from backdoor.defenses.registry import DEFENSES
    from backdoor.outcomes import Outcome

    spec = DEFENSES[name]
    if spec.after is None:
        return None
    found = {}
    if spec.needs_training_data:  # a data inspection: what it flagged, scored against the known poison
        score = result.score(lab.poisoned.poisoned_mask)
        found = dict(flagged=score.flagged, caught=score.true_positives, poisoned=lab.poisoned.num_poisoned)
    refused = float(getattr(result, "frr", 0.0))  # a serving-time monitor reports the clean inputs it rejects
    return Outcome(spec.title, seconds, spec.after, after, refused, **found)
