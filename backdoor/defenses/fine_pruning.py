"""Fine-Pruning (Liu, Dolan-Gavitt & Garg 2018): cut the neurons clean data never uses.

Paper: https://arxiv.org/abs/1805.12185. A backdoor often lives in channels of the last
convolutional layer that stay quiet on clean images and fire only for the trigger. So:
measure each channel's mean activation on the defender's clean images, prune channels
from the quietest up while clean accuracy stays within a budget the defender sets, then
fine-tune briefly on the clean images to recover accuracy (and, often, to finish off
what is left of the backdoor). The curve of clean accuracy and attack success rate
against the pruned fraction is returned so students can see both move.

One implementation choice the paper leaves open: the fine-tuning uses the usual image
augmentation (each clean image shifted by up to 2 pixels whenever it is seen). The
defender here has only 500 clean images; fine-tuned on them as they are, the pruned
small CNN kept 12% ASR at a 1.8-point cost, while with shifts the same pruning and
20 epochs bring ASR to about 1% at 0-1.4 points over three seeds (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn

from backdoor import timing
from backdoor.defenses.base import Defense
from backdoor.defenses.lab import Lab
from backdoor.estimates import evaluation_seconds, fine_tune_seconds
from backdoor.outcomes import Outcome
from backdoor.attacks import Trigger
from backdoor.defenses.common import (
    Evaluation, ProgressFn, evaluate, fine_tune, model_device, no_progress, private_copy,
)
from models import MODELS, layer


@dataclass(frozen=True)
class FinePruningConfig:
    """Args:
        accuracy_budget: the most clean accuracy (0-1) pruning may cost before fine-tuning.
        step: fraction of channels pruned between two points of the curve.
        max_fraction: never prune more than this fraction of the channels.
        fine_tune_epochs, learning_rate: the fine-tuning after pruning (0 epochs: prune only).
        augment: shift the clean images by up to 2 pixels while fine-tuning.
        seed: fixes fine-tuning.
    """

    accuracy_budget: float = 0.02
    step: float = 0.05
    max_fraction: float = 0.95
    fine_tune_epochs: int = 20
    learning_rate: float = 1e-2  # gentler fine-tuning (1e-3) left the backdoor fully intact here
    augment: bool = True
    seed: int = 0


@dataclass(frozen=True)
class PruningPoint:
    fraction: float
    clean_acc: float
    asr: float


@dataclass(frozen=True, eq=False)
class FinePruningResult:
    model: nn.Module  # pruned and fine-tuned: a new model
    curve: list[PruningPoint]  # on the defender's clean images, while pruning
    pruned_channels: list[int]
    pruned_fraction: float
    after_pruning: Evaluation
    after_fine_tuning: Evaluation
    seconds: float


def _following_batchnorm(model: nn.Module, conv: nn.Conv2d):
    """The BatchNorm right after ``conv`` in module order, if any (its output is what ReLU sees)."""
    modules = list(model.modules())
    i = next(k for k, m in enumerate(modules) if m is conv)
    after = modules[i + 1] if i + 1 < len(modules) else None
    return after if isinstance(after, nn.BatchNorm2d) and after.num_features == conv.out_channels else None


@torch.no_grad()
def channel_activity(model: nn.Module, layer_name: str, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Mean activation (after ReLU) of each channel of ``layer_name`` over the images ``x``."""
    model = private_copy(model)
    conv = layer(model, layer_name)
    watched = _following_batchnorm(model, conv) or conv
    total = torch.zeros(conv.out_channels)
    seen = []
    handle = watched.register_forward_hook(lambda _m, _i, out: seen.append(torch.relu(out).mean(dim=(0, 2, 3)).cpu()))
    device = model_device(model)
    try:
        for i in range(0, len(x), batch_size):
            model(x[i : i + batch_size].to(device))
            total += seen.pop() * len(x[i : i + batch_size])
    finally:
        handle.remove()
    return total / max(len(x), 1)


@torch.no_grad()
def prune_channels(model: nn.Module, layer_name: str, channels: list[int]) -> nn.Module:
    """A copy of ``model`` whose ``channels`` of ``layer_name`` always output zero."""
    pruned = private_copy(model)
    conv = layer(pruned, layer_name)
    index = torch.tensor(channels, dtype=torch.long)
    if len(index):
        conv.weight[index] = 0
        if conv.bias is not None:
            conv.bias[index] = 0
        bn = _following_batchnorm(pruned, conv)
        if bn is not None:  # BN would add its shift back: silence it too
            bn.weight[index] = 0
            bn.bias[index] = 0
    return pruned


def fine_pruning(
    model: nn.Module,
    layer_name: str,
    x_clean: torch.Tensor,
    y_clean: torch.Tensor,
    x_eval: torch.Tensor,
    y_eval: torch.Tensor,
    trigger: Trigger,
    target: int,
    config: FinePruningConfig = FinePruningConfig(),
    on_progress: ProgressFn = no_progress,
    objects_clean: torch.Tensor | None = None,
    objects_eval: torch.Tensor | None = None,
) -> FinePruningResult:
    """Prune then fine-tune with the defender's clean images (x_clean, y_clean).

    The ASR in the curve uses the trigger, which a real defender would not have: it is
    measured for the lesson, never used to choose what to prune. Final figures are on
    (x_eval, y_eval), images the defense never saw. ``objects_clean``/``objects_eval``: where each
    image's object sits, for a trigger placed on it (the physical sticker).
    """
    start = time.perf_counter()
    conv = layer(model, layer_name)
    order = torch.argsort(channel_activity(model, layer_name, x_clean)).tolist()  # quietest first
    channels = conv.out_channels
    step = max(1, int(round(config.step * channels)))
    limit = int(config.max_fraction * channels)
    baseline = evaluate(model, x_clean, y_clean, trigger, target, objects_clean)
    curve = [PruningPoint(0.0, baseline.clean_acc, baseline.asr)]
    chosen = 0
    total_steps = limit // step + config.fine_tune_epochs + 1
    for k, count in enumerate(range(step, limit + 1, step), start=1):
        scores = evaluate(prune_channels(model, layer_name, order[:count]), x_clean, y_clean, trigger, target,
                          objects_clean)
        curve.append(PruningPoint(count / channels, scores.clean_acc, scores.asr))
        on_progress(k, total_steps, f"pruned {count} of {channels} channels")
        if baseline.clean_acc - scores.clean_acc > config.accuracy_budget:
            break
        chosen = count
    pruned = prune_channels(model, layer_name, order[:chosen])
    after_pruning = evaluate(pruned, x_eval, y_eval, trigger, target, objects_eval)
    repaired = pruned
    if config.fine_tune_epochs > 0:
        done = limit // step

        def report(d, t, info):
            on_progress(done + min(d * config.fine_tune_epochs // max(t, 1), config.fine_tune_epochs), total_steps, info)

        repaired = fine_tune(pruned, x_clean, y_clean, config.fine_tune_epochs, config.learning_rate, config.seed, report,
                             augment=config.augment)
        repaired = prune_channels(repaired, layer_name, order[:chosen])  # keep pruned channels dead
    on_progress(total_steps, total_steps, "done")
    return FinePruningResult(
        model=repaired,
        curve=curve,
        pruned_channels=order[:chosen],
        pruned_fraction=chosen / channels,
        after_pruning=after_pruning,
        after_fine_tuning=evaluate(repaired, x_eval, y_eval, trigger, target, objects_eval),
        seconds=time.perf_counter() - start,
    )


def run(lab: Lab, config: FinePruningConfig, on_progress: ProgressFn) -> Outcome:
    """Pruned and fine-tuned on the defender's clean images, measured on the held-out ones."""
    x, y = lab.clean
    result = fine_pruning(lab.model, lab.gradcam_layer, x, y, *lab.held_out, lab.scenario.trigger,
                          lab.scenario.target, config, on_progress, lab.dataset.defender_objects,
                          lab.dataset.held_out_objects)
    return Outcome(result=result, model=result.model, after=result.after_fine_tuning,
                   detail=f"pruned {result.pruned_fraction:.0%} of the last conv layer, then fine-tuned")


def estimate(shape, scenario, device, config: FinePruningConfig) -> float:
    rig = shape.rig(scenario.model, device)
    channels = rig.layer_channels(MODELS[scenario.model].gradcam_layer)
    step = max(1, int(round(config.step * channels)))
    tried = int(config.max_fraction * channels) // step  # pruning stops earlier once the budget is spent
    on_clean = evaluation_seconds(shape, scenario, device, shape.defender)
    on_held_out = evaluation_seconds(shape, scenario, device, shape.held_out)
    activity = shape.defender * timing.inference_seconds(rig)
    return (activity + (1 + tried) * on_clean + 2 * on_held_out
            + fine_tune_seconds(rig, shape.defender, config.fine_tune_epochs, config.augment))


DEFENSE = Defense(
    "fine_pruning", "Fine-Pruning", "after training (repairs the model)",
    "https://arxiv.org/abs/1805.12185",
    "Which channels of the last convolution layer stay quiet on clean images; those are cut, then the "
    "model is fine-tuned on a little clean data (each image shifted slightly every time it is seen).",
    "the backdoor shares its channels with the real task, so the cut alone barely touches it (as here: "
    "the trigger still works after pruning, and it is the fine-tuning that wipes it out), or the attacker "
    "trained the backdoor to survive pruning and fine-tuning.",
    FinePruningConfig(), run, estimate, after="after pruning and fine-tuning",
    settings={"budget": "accuracy_budget"},
)
