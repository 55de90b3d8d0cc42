"""Does the backdoor survive compression? int8 weight quantization and global magnitude pruning.

Before a model ships to a phone it is often quantized (weights stored as 8-bit integers) or
pruned (the smallest weights set to zero). Both change every layer a little, and one might
hope the backdoor, a narrow shortcut, breaks first. Pruning follows Han, Pool, Tran & Dally,
"Learning both Weights and Connections for Efficient Neural Networks", NeurIPS 2015
(https://arxiv.org/abs/1506.02626): drop the weights of smallest magnitude, here pooled over
all convolution and linear layers. Quantization is the symmetric per-output-channel int8
scheme of Jacob et al., "Quantization and Training of Neural Networks for Efficient
Integer-Arithmetic-Only Inference", CVPR 2018 (https://arxiv.org/abs/1712.05877), simulated:
the weights are rounded to int8 and turned back into floats, which is exactly what decides
whether the backdoor survives. Neither step looks at the trigger (unlike Fine-Pruning,
https://arxiv.org/abs/1805.12185, which picks neurons by their clean activations), so
:func:`compression_study` shows what an ordinary deployment pipeline does to a backdoor.

Biases and batch-norm layers are left in floating point, as int8 runtimes do (they keep
biases in 32 bits and fold batch norm into the convolution before quantizing).

Example::

    result = compression_study(model, x_test, y_test, scenario.trigger, scenario.target)
    for row in result.rows:
        print(row.setting, row.sparsity, row.clean_acc, row.asr)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn
from torch.nn.utils import prune

from backdoor.defenses.base import Defense
from backdoor.defenses.lab import Lab
from backdoor.estimates import evaluation_seconds
from backdoor.outcomes import Outcome
from backdoor.attacks import Trigger
from backdoor.defenses.common import ProgressFn, evaluate, no_progress, private_copy

COMPRESSIBLE = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
INT8_MAX = 127


@dataclass(frozen=True)
class CompressionConfig:
    """Which compressed versions of the model to measure.

    Args:
        sparsities: fractions of the conv and linear weights to prune, one model each
            (default 0.3, 0.5, 0.7, 0.9).
        quantize_int8: also measure int8 weights (default True).
    """

    sparsities: tuple[float, ...] = (0.3, 0.5, 0.7, 0.9)
    quantize_int8: bool = True

    def __post_init__(self) -> None:
        if any(not 0.0 <= s <= 1.0 for s in self.sparsities):
            raise ValueError("Every sparsity must be between 0 and 1.")


@dataclass(frozen=True)
class CompressionRow:
    """One compressed model: what was done, how sparse it is, how it behaves."""

    setting: str
    sparsity: float  # fraction of conv and linear weights that are exactly zero
    clean_acc: float
    asr: float


@dataclass(frozen=True, eq=False)
class CompressionResult:
    rows: list[CompressionRow]
    seconds: float


def _compressible(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, COMPRESSIBLE)]


def weight_sparsity(model: nn.Module) -> float:
    """Fraction of the conv and linear weights (not biases) that are exactly zero."""
    weights = [m.weight for m in _compressible(model)]
    total = sum(w.numel() for w in weights)
    if total == 0:
        return 0.0
    return sum(int((w == 0).sum()) for w in weights) / total


@torch.no_grad()
def fake_quantize_int8(weight: torch.Tensor) -> torch.Tensor:
    """Round a weight tensor to symmetric int8, one scale per output channel, and back."""
    reduce = tuple(range(1, weight.dim()))
    largest = weight.abs().amax(dim=reduce, keepdim=True) if reduce else weight.abs()
    # scale = max|w| / 127, per output channel (row of a linear layer, filter of a conv)
    scale = largest / INT8_MAX
    # An all-zero channel has scale 0; dividing by 1 instead keeps its zeros (and no NaN).
    safe_scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    # w_q = clamp(round(w / scale), -127, 127), an integer code
    codes = torch.round(weight / safe_scale).clamp_(-INT8_MAX, INT8_MAX)
    # w_hat = w_q * scale, the weight the int8 model really computes with
    return codes * scale


def quantize_int8(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose conv and linear weights are rounded to int8 (simulated).

    Symmetric, per output channel: each channel keeps 255 evenly spaced levels between
    -max|w| and +max|w|. The returned model is a plain float model, usable anywhere.
    """
    quantized = private_copy(model)
    with torch.no_grad():
        for layer in _compressible(quantized):
            layer.weight.copy_(fake_quantize_int8(layer.weight))
    return quantized


def magnitude_prune(model: nn.Module, sparsity: float) -> nn.Module:
    """A copy of ``model`` with the smallest-magnitude ``sparsity`` of all conv and linear
    weights, pooled across layers, set to zero (exactly ``round(sparsity * count)`` weights).

    The pruning is made permanent: the result has plain weights, no masks or hooks.
    """
    sparsity = float(sparsity)  # prune reads an int as a number of weights, not a fraction
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError("The sparsity must be between 0 and 1.")
    pruned = private_copy(model)
    targets = [(layer, "weight") for layer in _compressible(pruned)]
    if not targets:
        return pruned
    # torch's pruning flattens each weight with .view(-1), which a channels-last weight
    # (models/layout.py) refuses: prune in the default layout, then lay the weights out as given.
    last = [layer.weight.dim() == 4 and layer.weight.is_contiguous(memory_format=torch.channels_last)
            for layer, _ in targets]
    pruned.to(memory_format=torch.contiguous_format)
    # Global: rank |w| over every layer together, so layers with small weights lose more.
    prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=sparsity)
    for (layer, name), channels_last in zip(targets, last):
        prune.remove(layer, name)
        if channels_last:
            layer.weight.data = layer.weight.data.contiguous(memory_format=torch.channels_last)
    return pruned


def compression_study(
    model: nn.Module,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    trigger: Trigger,
    target: int,
    config: CompressionConfig = CompressionConfig(),
    on_progress: ProgressFn = no_progress,
    objects: torch.Tensor | None = None,
) -> CompressionResult:
    """Clean accuracy and attack success rate of the original model and each compressed copy.

    Args:
        model: the (possibly backdoored) model; not modified.
        x_test, y_test: clean test images and labels.
        trigger: the attack's trigger, stamped to measure the attack success rate.
        target: the attack's target class.
        config: see :class:`CompressionConfig`.
        on_progress: called as ``(models measured, models to measure, info)``.
        objects: where each test image's object sits, for a trigger placed on it (the sticker).

    Returns:
        A :class:`CompressionResult`: one row per model, original first, and the seconds taken.
    """
    start = time.perf_counter()
    settings: list[tuple[str, Callable[[nn.Module], nn.Module]]] = [("original", private_copy)]
    if config.quantize_int8:
        settings.append(("int8 weights", quantize_int8))
    for sparsity in config.sparsities:
        settings.append((f"pruned {sparsity:.0%}", lambda m, s=sparsity: magnitude_prune(m, s)))
    rows = []
    for done, (setting, compress) in enumerate(settings, start=1):
        compressed = compress(model)
        scores = evaluate(compressed, x_test, y_test, trigger, target, objects)
        rows.append(CompressionRow(setting, weight_sparsity(compressed), scores.clean_acc, scores.asr))
        on_progress(done, len(settings), f"{setting}: clean {scores.clean_acc:.1%}, ASR {scores.asr:.1%}")
    return CompressionResult(rows, time.perf_counter() - start)


def run(lab: Lab, config: CompressionConfig, on_progress: ProgressFn) -> Outcome:
    """A study, not a repair: every compressed copy measured on the held-out images."""
    result = compression_study(lab.model, *lab.held_out, lab.scenario.trigger, lab.scenario.target, config, on_progress,
                                lab.dataset.held_out_objects)
    figures = {}
    for row in result.rows:
        tag = row.setting.replace(" ", "_").replace("%", "pct")
        figures.update({f"{tag}_clean_acc": round(row.clean_acc, 4), f"{tag}_asr": round(row.asr, 4)})
    survived = sum(r.asr > 0.5 for r in result.rows[1:])
    return Outcome(result=result, detail=f"the backdoor survived {survived} of {len(result.rows) - 1} compressed copies",
                   figures=figures)


def estimate(shape, scenario, device, config: CompressionConfig) -> float:
    models = 1 + int(config.quantize_int8) + len(config.sparsities)
    return models * evaluation_seconds(shape, scenario, device, shape.held_out)


DEFENSE = Defense(
    "compression", "Pruning and quantization", "when the model is compressed for deployment",
    "https://arxiv.org/abs/1510.00149",
    "Whether the backdoor survives what deployment does anyway: 8-bit weights and removing the "
    "smallest weights.",
    "almost always: compression keeps what matters for clean accuracy, and the backdoor rides along. "
    "It is not a defense, and this shows why.",
    CompressionConfig(), run, estimate,
)
