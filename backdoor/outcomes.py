"""What each defense run did, and which did best: one rule for the Defend page and the report.

A repair (unlearning, pruning, retraining without flagged images, a serving-time monitor)
is judged on three things, all measured on the same held-out test images:

- the attack success rate it leaves;
- the points of clean accuracy it costs (positive = worse);
- the share of honest requests it refuses (a monitor such as STRIP turns inputs away).

A detection that has not been acted on yet (a data inspection's flags) counts too: it is
reported for what it found, and never called "no defense".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from backdoor.metrics import Evaluation

# A defense "stopped" the attack when at most 1 triggered image in 10 still gets through
# (the matrix uses the same line).
STOPPED = 0.1


@dataclass(frozen=True)
class Outcome:
    """One defense run on one model: what it found, the model after its repair, and the figures
    for the summary table, the reading and the report (``Defense.apply`` fills in title, seconds
    and note)."""

    title: str = ""
    seconds: float = 0.0
    note: Optional[str] = None  # what the "after" figures measure; None: a study, never ranked as a repair
    after: Optional[Evaluation] = None  # None: it only inspected (flags, classes), nothing repaired yet
    refused: float = 0.0  # share of honest (clean) requests turned away, for a serving-time monitor
    flagged: Optional[int] = None  # training images it flagged (data inspection)
    caught: Optional[int] = None  # how many of them were really poisoned
    poisoned: Optional[int] = None  # how many poisoned images there were
    result: Any = field(default=None, compare=False, repr=False)  # the method's own result object
    model: Any = field(default=None, compare=False, repr=False)  # the repaired model (None: nothing repaired)
    flags: Any = field(default=None, compare=False, repr=False)  # bool (N,) training images flagged
    detail: str = ""  # what it found, in a sentence
    run_id: str = ""  # unique per run: the cache key of what is computed on its repaired model
    figures: dict = field(default_factory=dict, compare=False)  # extra measured figures, for the benchmarks

    @property
    def repaired(self) -> bool:
        return self.after is not None

    def cost(self, before: Evaluation) -> float:
        """Points of clean accuracy lost against the model before the defense (positive = worse).

        For a monitor the "after" accuracy counts a refused honest request as not answered
        correctly, so this cost already includes the refusals; ``refused`` says how much of it they are."""
        assert self.after is not None
        return round(100 * (before.clean_acc - self.after.clean_acc), 1) + 0.0

    def harm(self, before: Evaluation) -> float:
        """Attack success left (points) plus clean accuracy lost (points, refusals included):
        how many requests in a hundred of each kind still go wrong. Lower is better."""
        assert self.after is not None
        return round(100 * self.after.asr, 1) + self.cost(before)


def best(outcomes: list[Outcome], before: Evaluation) -> list[Outcome]:
    """The repairs that did best (several on a tie), weighing attack success left, accuracy
    lost and honest requests refused; [] when nothing was repaired."""
    repairs = [o for o in outcomes if o.repaired]
    if not repairs:
        return []
    lowest = min(round(o.harm(before), 1) for o in repairs)
    tied = [o for o in repairs if round(o.harm(before), 1) == lowest]
    fewest_refused = min(o.refused for o in tied)
    return [o for o in tied if o.refused == fewest_refused]


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _cost_words(points: float) -> str:
    if abs(points) < 0.05:
        return "at no cost in clean accuracy"
    return f"{abs(points):.1f} points of clean accuracy {'lost' if points > 0 else 'gained'}"


def detection_sentence(o: Outcome) -> str:
    """What a data inspection found, in words (it counts, even before anyone acts on it)."""
    if not o.flagged:
        return f"{o.title} flagged no training image, so it found nothing to remove."
    found = "" if o.poisoned is None else f", {o.caught:,} of the {o.poisoned:,} poisoned ones"
    clean = o.flagged - (o.caught or 0)
    alarms = "" if o.caught is None else (f" and {clean:,} clean one{'s' if clean != 1 else ''}" if clean else "")
    return f"{o.title} flagged {o.flagged:,} training image{'s' if o.flagged != 1 else ''}{found}{alarms}."


def reading(before: Evaluation, outcomes: list[Outcome]) -> str:
    """The defenses run on one model, in plain words, from their own numbers."""
    start = f"Before any defense the backdoor worked on {_pct(before.asr)} of triggered held-out images."
    if not outcomes:
        return start + " No defense has been run on this model yet."
    parts = [start]
    detections = [o for o in outcomes if not o.repaired]
    for o in detections:
        parts.append(detection_sentence(o) + (" Remove the flagged images and retrain to see whether the backdoor "
                                              "goes." if o.flagged else ""))
    winners = best(outcomes, before)
    repairs = [o for o in outcomes if o.repaired]
    if not winners:
        parts.append("None of the defenses run so far has changed the model, so its attack success is unchanged.")
        return " ".join(parts)
    lead = winners[0]
    refused = f", refusing {_pct(lead.refused)} of honest requests" if lead.refused > 0 else ""
    figures = (f"attack success {_pct(lead.after.asr)} and clean accuracy {_pct(lead.after.clean_acc)} "
               f"({_cost_words(lead.cost(before))}{refused})")
    if len(repairs) == 1:
        parts.append(f"The one repair run, {lead.title}, left {figures}.")
    elif len(winners) > 1:
        names = " and ".join(o.title for o in winners)
        parts.append(f"Weighing attack success left, clean accuracy lost and honest requests refused, {names} did "
                     f"equally well among the {len(repairs)} repairs: {figures}.")
    else:
        parts.append(f"Weighing attack success left, clean accuracy lost and honest requests refused, the best of "
                     f"the {len(repairs)} repairs is {lead.title}: {figures}.")
    if lead.after.asr > STOPPED:
        parts.append(f"No repair brought the attack to {STOPPED:.0%} or below: this model should not be trusted.")
    return " ".join(parts)
