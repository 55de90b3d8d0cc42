"""A range check at serving time: refuse a record whose measurements leave the ranges seen before.

The simplest data-validation control, the "schema" of Breck, Polyzotis, Roy, Whang & Zinkevich,
"Data Validation for Machine Learning", SysML 2019, https://research.google/pubs/pub47967:
learn the range each measurement spans in records one trusts, and refuse at serving time any
record with a value outside it (widened by a margin). A feature trigger that sets a measurement
to a value no honest record has is refused; so is an honest record that happens to be extreme,
which is the control's cost.

Where the ranges come from decides whether it works. ``reference="trusted"`` (the default) takes
them from the defender's own clean records. ``reference="training"`` takes them from the training
file as delivered: its poisoned records carry the trigger values, so the ranges include the
trigger and the check lets it through. Both are offered, so the lesson can be seen, not told.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from backdoor import timing
from backdoor.attacks import attack_labels, attackable
from backdoor.defenses.base import Defense
from backdoor.defenses.common import Evaluation, ProgressFn, model_device
from backdoor.defenses.lab import Lab
from backdoor.metrics import predict
from backdoor.outcomes import Outcome
from backdoor.wording import whole_percent

REFERENCES = ("trusted", "training")


@dataclass(frozen=True)
class RangeCheckConfig:
    """Args:
        margin: how far beyond the reference range a value may go before the record is refused,
            in standard deviations of the measurement (default 1: with 85 trusted records, a tighter
            margin refuses up to a fifth of honest records, as RESULTS.md shows).
        reference: "trusted" (the defender's clean records) or "training" (the training file as
            delivered, poison included).
    """

    margin: float = 1.0
    reference: str = "trusted"

    def __post_init__(self) -> None:
        if self.margin < 0:
            raise ValueError("The margin cannot be negative.")
        if self.reference not in REFERENCES:
            raise ValueError(f"reference must be one of {REFERENCES}")


@dataclass(frozen=True, eq=False)
class RangeCheckResult:
    """The ranges learnt, and which records each set had refused."""

    low: torch.Tensor  # (D,) the lowest value served, per measurement
    high: torch.Tensor  # (D,) the highest
    clean_refused: torch.Tensor  # bool (M,) honest held-out records refused
    triggered_refused: torch.Tensor  # bool (T,) triggered held-out records refused
    outside: torch.Tensor  # (D,) how many triggered records each measurement had out of range

    @property
    def refused_share(self) -> float:
        """The share of honest records turned away."""
        return float(self.clean_refused.float().mean()) if len(self.clean_refused) else float("nan")

    @property
    def caught_share(self) -> float:
        """The share of triggered records turned away."""
        return float(self.triggered_refused.float().mean()) if len(self.triggered_refused) else float("nan")


def learn_ranges(reference: torch.Tensor, margin: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(low, high) per measurement: the reference records' minimum and maximum, widened by ``margin``."""
    if len(reference) == 0:
        raise ValueError("A range check needs at least one reference record.")
    return reference.min(dim=0).values - margin, reference.max(dim=0).values + margin


def out_of_range(x: torch.Tensor, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    """Bool (N, D): which values of each record fall outside [low, high]."""
    return (x < low) | (x > high)


def range_check(reference: torch.Tensor, x_clean: torch.Tensor, x_triggered: torch.Tensor,
                config: RangeCheckConfig = RangeCheckConfig()) -> RangeCheckResult:
    """Learn the ranges on ``reference`` and screen honest and triggered records with them."""
    low, high = learn_ranges(reference, config.margin)
    triggered_out = out_of_range(x_triggered, low, high)
    return RangeCheckResult(low, high, out_of_range(x_clean, low, high).any(dim=1), triggered_out.any(dim=1),
                            triggered_out.sum(dim=0))


def run(lab: Lab, config: RangeCheckConfig, on_progress: ProgressFn) -> Outcome:
    """The check as a gate in front of the model: a refused record gets no answer, so it counts as
    neither correct (honest) nor hijacked (triggered)."""
    x_eval, y_eval = lab.held_out
    target = lab.scenario.target
    movable = attackable(y_eval, target)
    reference = lab.clean[0] if config.reference == "trusted" else lab.poisoned.x
    triggered = lab.scenario.stamp(x_eval, lab.dataset.held_out_objects)[movable]
    on_progress(0, 1, "learning the ranges")
    result = range_check(reference, x_eval, triggered, config)
    device = model_device(lab.model)
    clean_ok = (predict(lab.model, x_eval, device) == y_eval) & ~result.clean_refused
    goal = attack_labels(y_eval[movable], target, lab.dataset.num_classes)
    hijacked = (predict(lab.model, triggered, device) == goal) & ~result.triggered_refused
    on_progress(1, 1, "done")
    return Outcome(result=result, after=Evaluation(float(clean_ok.float().mean()), float(hijacked.float().mean())),
                   refused=result.refused_share,
                   detail=f"refuses {whole_percent(result.caught_share)} of triggered records and "
                          f"{whole_percent(result.refused_share)} of honest ones",
                   figures={"caught": round(result.caught_share, 4), "refused": round(result.refused_share, 4)})


def estimate(shape, scenario, device, config: RangeCheckConfig) -> float:
    """Comparing each record with two bounds per measurement, timed on this machine."""

    def measure() -> float:
        records = torch.randn(2000, 30)
        start = time.perf_counter()
        range_check(records, records, records, config)
        return (time.perf_counter() - start) / len(records)

    per_record = timing.MEASURED.get(("range_check", config), measure)
    return per_record * (shape.defender + 2 * shape.held_out)


DEFENSE = Defense(
    "range_check", "Range check", "at serving time (screens each record)",
    "https://research.google/pubs/pub47967",
    "Whether each measurement of an incoming record lies inside the range seen in trusted records: a trigger "
    "that sets a value no honest record has is refused.",
    "the trigger stays inside the normal range (an in-bounds trigger), or the ranges are learnt from the "
    "poisoned training file itself, which already holds the trigger values.",
    RangeCheckConfig(), run, estimate,
    after="served through the check (a refused honest record counts as not answered correctly)",
    settings={"margin": "margin", "reference": "reference"},
    modalities=("tabular",),
    monitor=True,
)
