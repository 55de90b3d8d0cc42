"""STRIP: flag triggered inputs at serving time by how little blending changes the prediction.

Gao, Xu, Wang, Chen, Ranasinghe & Nepal, "STRIP: A Defence Against Trojan Attacks on Deep
Neural Networks", ACSAC 2019, https://arxiv.org/abs/1902.06531. Superimpose each incoming
image on N clean images from a held-out pool (here the defender's own clean images, the
500 every defense gets) and look at the model's predictions on the blends. A clean digit
mixed with other digits becomes ambiguous, so the softmax spreads out and its Shannon
entropy is high. A triggered image keeps its trigger through every blend and
the model keeps answering the target class, so the entropy stays low. The monitor rejects
inputs whose mean entropy falls below a threshold, chosen on clean held-out inputs so that
only a chosen fraction of clean inputs (the false-rejection rate, FRR) is turned away.

Example::

    result = strip(model, pool=x_clean_train, x_holdout=x_test[:500],
                   x_clean=x_test[500:], x_triggered=scenario.stamp(x_test[500:]))
    result.tpr_at_frr(0.01), result.rates_at(result.threshold)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from backdoor import timing
from backdoor.defenses.base import Defense
from backdoor.defenses.lab import Lab
from backdoor.outcomes import Outcome
from backdoor.defenses.common import ProgressFn, model_device, no_progress, private_copy
from backdoor.defenses import monitor
from backdoor.defenses.monitor import screening_estimate, served, triggered_held_out
from backdoor.wording import whole_percent

BLENDS = ("add", "average")


@dataclass(frozen=True)
class StripConfig:
    """How to perturb inputs and where to put the threshold.

    Args:
        overlays: N, clean images blended with each input (default 10; the paper uses up
            to 100, but on digits 8 already separate the two kinds of input).
        frr: target false-rejection rate on clean inputs, which sets the threshold (0.05).
        blend: "add" (the paper's superimposition, x + x_clean clipped to [0, 1]) or
            "average" (0.5 * x + 0.5 * x_clean). On digits "add" keeps the patch at full
            strength, while averaging halves it.
        seed: which pool images each input is blended with.
        batch_size: blended images per forward pass.
    """

    overlays: int = 10
    frr: float = 0.05
    blend: str = "add"
    seed: int = 0
    batch_size: int = 512

    def __post_init__(self) -> None:
        if self.overlays < 1:
            raise ValueError("Blend each input with at least one clean image.")
        if not 0.0 <= self.frr <= 1.0:
            raise ValueError("The false-rejection rate must be between 0 and 1.")
        if self.blend not in BLENDS:
            raise ValueError(f"blend must be one of {BLENDS}")
        if self.batch_size < 1:
            raise ValueError("The batch size must be at least 1.")


def superimpose(x: torch.Tensor, overlay: torch.Tensor, blend: str = "add") -> torch.Tensor:
    """Blend images with overlays of the same shape, the way ``StripConfig.blend`` says."""
    if blend == "add":
        # x_blend = clip(x + x_clean, 0, 1)
        return (x + overlay).clamp_(0.0, 1.0)
    # x_blend = 0.5 * x + 0.5 * x_clean
    return 0.5 * x + 0.5 * overlay


@torch.no_grad()
def strip_entropy(
    model: nn.Module,
    x: torch.Tensor,
    pool: torch.Tensor,
    config: StripConfig = StripConfig(),
    on_progress: ProgressFn = no_progress,
) -> torch.Tensor:
    """Mean softmax entropy (in nats) of each input over its ``config.overlays`` blends.

    Args:
        model: the classifier to monitor (not modified).
        x: inputs (M, C, H, W) in [0, 1], or records (M, D).
        pool: clean inputs of the same shape (P, ...) to blend with; each input draws N of them at random.
        config: see :class:`StripConfig`.
        on_progress: called as ``(inputs done, M, info)`` after every batch.

    Returns:
        A float tensor (M,) on the CPU: 0 when every blend gets a certain answer, log(K) when
        every blend gets a uniform answer over K classes.
    """
    if len(pool) == 0:
        raise ValueError("STRIP needs a pool of clean images to blend with.")
    model = private_copy(model)
    device = model_device(model)
    n = config.overlays
    # Drawn up front, so the draws do not depend on the batch size.
    gen = torch.Generator().manual_seed(config.seed)
    picks = torch.randint(len(pool), (len(x), n), generator=gen)
    per_batch = max(1, config.batch_size // n)
    entropies = []
    for start in range(0, len(x), per_batch):
        stop = min(start + per_batch, len(x))
        inputs = x[start:stop].to(device)
        overlays = pool[picks[start:stop].flatten()].to(device)
        # Each input repeated N times, next to its N overlays: (B * N, C, H, W)
        blended = superimpose(inputs.repeat_interleave(n, dim=0), overlays, config.blend)
        probs = torch.softmax(model(blended).float(), dim=1)
        # H(p) = -sum_k p_k log p_k (with 0 log 0 = 0), averaged over the N blends of each input
        entropy = torch.special.entr(probs).sum(dim=1).view(stop - start, n).mean(dim=1)
        entropies.append(entropy.cpu())
        on_progress(stop, len(x), f"STRIP: {stop}/{len(x)} inputs blended {n} times")
    return torch.cat(entropies) if entropies else torch.empty(0)


def _threshold(holdout_entropy: torch.Tensor, frr: float) -> float:
    if not 0.0 <= frr <= 1.0:
        raise ValueError("The false-rejection rate must be between 0 and 1.")
    if len(holdout_entropy) == 0:
        raise ValueError("Setting the threshold needs at least one held-out clean input.")
    # threshold = the FRR-quantile of clean entropies: about a fraction FRR of them lie below it
    return float(torch.quantile(holdout_entropy.double(), frr))


def _fraction_rejected(entropy: torch.Tensor, threshold: float) -> float:
    """Inputs whose entropy is below the threshold are rejected as triggered."""
    if len(entropy) == 0:
        return float("nan")
    return float((entropy < threshold).double().mean())


@dataclass(frozen=True, eq=False)
class StripResult:
    """Entropies of three sets of inputs, and how a threshold separates them.

    ``frr`` is the fraction of clean test inputs rejected at ``threshold``; ``far`` the
    fraction of triggered inputs accepted (the false-acceptance rate).
    """

    holdout_entropy: torch.Tensor
    clean_entropy: torch.Tensor
    triggered_entropy: torch.Tensor
    threshold: float
    frr: float
    far: float

    def threshold_for(self, frr: float) -> float:
        """The threshold that rejects a fraction ``frr`` of the held-out clean inputs."""
        return _threshold(self.holdout_entropy, frr)

    def rates_at(self, threshold: float) -> tuple[float, float]:
        """(FRR, FAR) on the test inputs: clean rejected, triggered accepted."""
        return (
            _fraction_rejected(self.clean_entropy, threshold),
            1.0 - _fraction_rejected(self.triggered_entropy, threshold),
        )

    def tpr_at_frr(self, frr: float) -> float:
        """Fraction of triggered inputs rejected at the threshold set for this FRR."""
        return _fraction_rejected(self.triggered_entropy, self.threshold_for(frr))


def strip(
    model: nn.Module,
    pool: torch.Tensor,
    x_holdout: torch.Tensor,
    x_clean: torch.Tensor,
    x_triggered: torch.Tensor,
    config: StripConfig = StripConfig(),
    on_progress: ProgressFn = no_progress,
) -> StripResult:
    """Set the STRIP threshold on held-out clean inputs and measure it on test inputs.

    Args:
        model: the possibly backdoored classifier (not modified).
        pool: clean images to blend with, kept apart from every set below.
        x_holdout: clean inputs that set the threshold at ``config.frr``.
        x_clean: clean test inputs (measures the FRR).
        x_triggered: triggered test inputs (measures the FAR).
        config: see :class:`StripConfig`.
        on_progress: called as ``(inputs done, all inputs, info)``.

    Returns:
        A :class:`StripResult`.
    """
    sets = {"held-out clean": x_holdout, "clean test": x_clean, "triggered test": x_triggered}
    entropies = monitor.score_sets(sets, lambda x, report: strip_entropy(model, x, pool, config, report), on_progress)
    holdout, clean, triggered = entropies
    threshold = _threshold(holdout, config.frr)
    frr = _fraction_rejected(clean, threshold)
    far = 1.0 - _fraction_rejected(triggered, threshold)
    return StripResult(holdout, clean, triggered, threshold, frr, far)


def run(lab: Lab, config: StripConfig, on_progress: ProgressFn) -> Outcome:
    """STRIP as a monitor in front of the model: a rejected input gets no answer, so it counts as
    neither correct (clean) nor hijacked (triggered). Records of a table are always averaged:
    adding two standardised records has no meaning (a pixel can saturate at white; a measurement cannot)."""
    if lab.dataset.modality != "image":
        config = replace(config, blend="average")
    x, _ = lab.clean  # the defender's own clean images: the pool to blend with, and the threshold's inputs
    movable, triggered = triggered_held_out(lab)
    result = strip(lab.model, x, x, lab.held_out[0], triggered, config, on_progress)
    after = served(lab, movable, triggered, result.clean_entropy >= result.threshold,
                   result.triggered_entropy >= result.threshold)
    return Outcome(result=result, after=after,
                   refused=result.frr,
                   detail=f"rejects {whole_percent(1 - result.far)} of triggered inputs and "
                          f"{whole_percent(result.frr)} of clean ones",
                   figures={"tpr_at_1pct_frr": round(result.tpr_at_frr(0.01), 4),
                            "tpr_at_5pct_frr": round(result.tpr_at_frr(0.05), 4)})


def screening_seconds(rig: timing.Rig, overlays: int, batch_size: int) -> float:
    """One input screened: blended with ``overlays`` clean images and classified, measured on this machine."""
    config = StripConfig(overlays=overlays, batch_size=batch_size)
    return monitor.screening_seconds(("strip", rig, overlays, batch_size), rig,
                                     lambda model, x: strip_entropy(model, x, x, config))


def estimate(shape, scenario, device, config: StripConfig) -> float:
    rig = shape.rig(scenario.model, device)
    return screening_estimate(shape, scenario, device, screening_seconds(rig, config.overlays, config.batch_size))


DEFENSE = Defense(
    "strip", "STRIP", "at serving time (screens each input)",
    "https://arxiv.org/abs/1902.06531",
    "How sure the model stays when each incoming image is blended with random clean images: a triggered "
    "image keeps its answer whatever is mixed in, so its predictions have unusually low entropy.",
    "the trigger is fragile to blending (faint or warping triggers), or the attacker makes the backdoor "
    "depend on the input so blended copies stop firing it.",
    StripConfig(), run, estimate,
    after="served through the monitor (a refused honest request counts as not answered correctly)",
    settings={"frr": "frr"},
    modalities=("image", "tabular"),
    runs_per_request=lambda config: config.overlays + 1,  # the input itself, then each blended copy
    monitor=True,
)
