"""SCALE-UP: flag triggered inputs at serving time by how little amplifying them changes the answer.

Guo, Li, Chen, Guo & Zhang, "SCALE-UP: An Efficient Black-box Input-level Backdoor Detection via
Analyzing Scaled Prediction Consistency", ICLR 2023, https://arxiv.org/abs/2302.03251. Multiply an
incoming image's pixel values by n = 1, 2, ..., N (clipped to the valid range) and ask the model
about each copy. An honest image drifts to other answers as it is amplified; a triggered one keeps
the attacker's answer, because the trigger survives amplification and stays in charge. The score is
the scaled prediction consistency

    SPC(x) = (1 / N) * sum over n = 1..N of [C(clip(n * x)) == C(x)],

the share of scalings (the image itself included, so SPC >= 1/N) that keep the answer. The monitor
refuses inputs whose SPC lies above a threshold. Only the model's answers are used (black-box), and
the input itself costs N model runs.

Where this departs from the paper:

- The paper's data-free version flags SPC above a fixed threshold; its data-limited version
  standardises each scaled prediction with a few clean images. Here the data-free score is kept and
  the threshold is set, as STRIP's is, on the defender's clean images at the page's false-rejection
  rate (FRR): the lowest threshold above which at most that share of them lie. SPC takes only N + 1
  values, so the rejected share can fall short of the FRR asked for (ties are never split).
- Images here live in [0, 1] and MNIST digits are white strokes on black: amplifying saturates the
  strokes to white and leaves the black background black, so many honest digits keep their answer at
  every scale too. SCALE-UP then fails on two counts (RESULTS.md measures both): an honest input whose
  answer is itself scale-stable looks triggered, and a trigger that amplification breaks (a faint
  blend or stripes pushed to white with the rest of the image, a warp whose bent strokes saturate
  like any other) no longer looks stable.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from backdoor import timing
from backdoor.defenses.base import Defense
from backdoor.defenses.common import ProgressFn, model_device, no_progress, private_copy
from backdoor.defenses import monitor
from backdoor.defenses.monitor import screening_estimate, served, triggered_held_out
from backdoor.defenses.lab import Lab
from backdoor.outcomes import Outcome
from backdoor.wording import whole_percent


@dataclass(frozen=True)
class ScaleUpConfig:
    """How far to amplify and where to put the threshold.

    Args:
        scales: N, the largest multiplier; each input is classified at n = 1..N (default 11, the
            paper's data-free setting).
        frr: the largest share of the defender's clean images the threshold may refuse (0.05).
        batch_size: scaled images per forward pass.
    """

    scales: int = 11
    frr: float = 0.05
    batch_size: int = 512

    def __post_init__(self) -> None:
        if self.scales < 2:
            raise ValueError("Amplify each input at least once (scales of 2 or more).")
        if not 0.0 <= self.frr <= 1.0:
            raise ValueError("The false-rejection rate must be between 0 and 1.")
        if self.batch_size < 1:
            raise ValueError("The batch size must be at least 1.")


@torch.no_grad()
def scaled_consistency(model: nn.Module, x: torch.Tensor, config: ScaleUpConfig = ScaleUpConfig(),
                       on_progress: ProgressFn = no_progress) -> torch.Tensor:
    """SPC of each input: the share of its N scaled copies (n = 1..N) answered as the input itself.

    Args:
        model: the classifier to monitor (not modified).
        x: images (M, C, H, W) in [0, 1].
        config: see :class:`ScaleUpConfig`.
        on_progress: called as ``(inputs done, M, info)`` after every batch.

    Returns:
        A float tensor (M,) on the CPU, each value one of 1/N, 2/N, ..., 1.
    """
    model = private_copy(model)
    device = model_device(model)
    n = config.scales
    factors = torch.arange(1, n + 1, dtype=torch.float32, device=device).view(1, n, *([1] * (x.dim() - 1)))
    per_batch = max(1, config.batch_size // n)
    scores = []
    for start in range(0, len(x), per_batch):
        stop = min(start + per_batch, len(x))
        inputs = x[start:stop].to(device)
        # copies[i, n - 1] = clip(n * x_i, 0, 1)
        copies = (inputs.unsqueeze(1) * factors).clamp_(0.0, 1.0).flatten(0, 1)
        answers = model(copies).argmax(dim=1).view(stop - start, n)
        # SPC = (1 / N) sum_n [C(n x) == C(x)]; column 0 is n = 1, the input itself
        scores.append((answers == answers[:, :1]).float().mean(dim=1).cpu())
        on_progress(stop, len(x), f"SCALE-UP: {stop}/{len(x)} inputs amplified {n} ways")
    return torch.cat(scores) if scores else torch.empty(0)


def threshold_for(clean_spc: torch.Tensor, frr: float) -> float:
    """The lowest SPC level t with at most a share ``frr`` of clean scores above it (inputs above t are refused)."""
    if not 0.0 <= frr <= 1.0:
        raise ValueError("The false-rejection rate must be between 0 and 1.")
    if len(clean_spc) == 0:
        raise ValueError("Setting the threshold needs at least one clean image.")
    levels = torch.unique(clean_spc.double())  # ascending; the highest always refuses nobody
    above = torch.stack([(clean_spc.double() > t).double().mean() for t in levels])
    return float(levels[above <= frr + 1e-12][0])


def refused_share(spc: torch.Tensor, threshold: float) -> float:
    """The share of inputs whose SPC lies above the threshold: refused as triggered."""
    if len(spc) == 0:
        return float("nan")
    return float((spc > threshold).double().mean())


@dataclass(frozen=True, eq=False)
class ScaleUpResult:
    """SPC of the defender's clean images (they set the threshold) and of the held-out clean and
    triggered inputs (they measure it). ``refused``: held-out clean inputs refused; ``caught``:
    triggered inputs refused."""

    defender_spc: torch.Tensor
    clean_spc: torch.Tensor
    triggered_spc: torch.Tensor
    threshold: float
    refused: float
    caught: float

    def rates_at(self, threshold: float) -> tuple[float, float]:
        """(clean refused, triggered caught) on the held-out inputs at this threshold."""
        return refused_share(self.clean_spc, threshold), refused_share(self.triggered_spc, threshold)

    def caught_at_frr(self, frr: float) -> float:
        """The share of triggered inputs caught at the threshold set for this FRR."""
        return refused_share(self.triggered_spc, threshold_for(self.defender_spc, frr))


def scale_up(model: nn.Module, x_defender: torch.Tensor, x_clean: torch.Tensor, x_triggered: torch.Tensor,
             config: ScaleUpConfig = ScaleUpConfig(), on_progress: ProgressFn = no_progress) -> ScaleUpResult:
    """Set the threshold on the defender's clean images at ``config.frr``, then measure it on held-out inputs."""
    sets = {"defender's clean": x_defender, "clean test": x_clean, "triggered test": x_triggered}
    scores = monitor.score_sets(sets, lambda x, report: scaled_consistency(model, x, config, report), on_progress)
    defender, clean, triggered = scores
    threshold = threshold_for(defender, config.frr)
    return ScaleUpResult(defender, clean, triggered, threshold, *(refused_share(s, threshold) for s in (clean, triggered)))


def run(lab: Lab, config: ScaleUpConfig, on_progress: ProgressFn) -> Outcome:
    """SCALE-UP as a monitor in front of the model: a refused input gets no answer, so it counts as
    neither correct (clean) nor hijacked (triggered)."""
    movable, triggered = triggered_held_out(lab)
    result = scale_up(lab.model, lab.clean[0], lab.held_out[0], triggered, config, on_progress)
    after = served(lab, movable, triggered, result.clean_spc <= result.threshold,
                   result.triggered_spc <= result.threshold)
    return Outcome(result=result, after=after,
                   refused=result.refused,
                   detail=f"refuses {whole_percent(result.caught)} of triggered inputs and "
                          f"{whole_percent(result.refused)} of clean ones",
                   figures={"caught_at_1pct_frr": round(result.caught_at_frr(0.01), 4),
                            "caught_at_5pct_frr": round(result.caught_at_frr(0.05), 4)})


def screening_seconds(rig: timing.Rig, scales: int, batch_size: int) -> float:
    """One input screened: amplified ``scales`` ways and classified, measured on this machine."""
    config = ScaleUpConfig(scales=scales, batch_size=batch_size)
    return monitor.screening_seconds(("scale_up", rig, scales, batch_size), rig,
                                     lambda model, x: scaled_consistency(model, x, config))


def estimate(shape, scenario, device, config: ScaleUpConfig) -> float:
    rig = shape.rig(scenario.model, device)
    return screening_estimate(shape, scenario, device, screening_seconds(rig, config.scales, config.batch_size))


DEFENSE = Defense(
    "scale_up", "SCALE-UP", "at serving time (screens each input)",
    "https://arxiv.org/abs/2302.03251",
    "How stubbornly the model keeps its answer when an incoming image is brightened 2, 3, ... 11 times over: "
    "a triggered image keeps the attacker's answer at every brightness, an honest one usually drifts.",
    "brightening breaks the trigger too (a faint blend or warp is washed out with the rest of the picture), or "
    "honest pictures keep their answer when brightened anyway (white digits on black barely change), so the "
    "threshold set to spare honest requests lets triggered ones through.",
    ScaleUpConfig(), run, estimate,
    after="served through the monitor (a refused honest request counts as not answered correctly)",
    settings={"frr": "frr"},
    runs_per_request=lambda config: config.scales,  # the input itself (n = 1), then each amplified copy
    monitor=True,
)
