"""What each defense run did, and which did best: one rule for the Defend page and the report.

A repair (unlearning, pruning, retraining without flagged images) or a serving-time monitor (which
refuses requests and leaves the model as it was; the sentences call it a monitor) is judged on three
things, all measured on the same held-out test images:

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
from backdoor.wording import agree, all_of, and_list, count_of

# A defense "stopped" the attack when at most 1 triggered image in 10 still gets through
# (the matrix uses the same line).
STOPPED = 0.1
TOOK_HOLD = 0.5  # without a defense, an attack "took hold" at this success rate or more (as Matrix.stopped)


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
    monitor: bool = False  # a serving-time monitor (it refuses requests; the model is left as it was)
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


def shown_asr(asr: float) -> str:
    """An attack success rate as judged against the 10% line: one decimal, never rounded onto the line
    (10.04% reads ">10.0%", 9.96% "<10.0%"), so the figure never contradicts the verdict beside it.
    The same rule as ``backdoor.reference.shown_percent`` (which imports this module, so it cannot be imported here)."""
    text = f"{100 * asr:.1f}%"
    if round(100 * asr, 1) == round(100 * STOPPED, 1) and asr != STOPPED:
        return ("<" if asr < STOPPED else ">") + text
    return text


def _cost_words(points: float) -> str:
    if abs(points) < 0.05:
        return "at no cost in clean accuracy"
    return f"{abs(points):.1f} points of clean accuracy {'lost' if points > 0 else 'gained'}"


def known_poisoned(outcomes: list[Outcome]) -> Optional[bool]:
    """Whether any training image was poisoned, from the counts a data inspection measured
    (None: no outcome knows). A tiny positive rate can round to no poisoned image at all."""
    counts = [o.poisoned for o in outcomes if o.poisoned is not None]
    return any(c > 0 for c in counts) if counts else None


def _every(n: int, what: str) -> str:
    """"the only poisoned one", "both poisoned ones", "all 40 poisoned ones"."""
    return {1: f"the only {what} one", 2: f"both {what} ones"}.get(n, f"all {n:,} {what} ones")


def detection_sentence(o: Outcome) -> str:
    """What a data inspection found, in words (it counts, even before anyone acts on it)."""
    if not o.flagged:
        return f"{o.title} flagged no training image, so it found nothing to remove."
    flagged = f"{o.title} flagged {count_of(o.flagged, 'training image')}"
    if o.poisoned is None or o.caught is None:  # the truth is unknown
        return f"{flagged}."
    all_clean = {1: "a clean one", 2: "both clean"}.get(o.flagged, "all clean")
    if o.poisoned == 0:
        return f"{flagged}, {all_clean}: nothing was poisoned."
    if o.caught == 0:
        return f"{flagged}, {all_clean}: it missed {_every(o.poisoned, 'poisoned')}."
    found = (_every(o.poisoned, "poisoned") if o.caught == o.poisoned
             else f"{o.caught:,} of the {o.poisoned:,} poisoned ones")
    clean = o.flagged - o.caught
    return f"{flagged}, {found}{' and ' + count_of(clean, 'clean one') if clean else ''}."


def opening(before: Evaluation, poisoned: bool = True) -> str:
    """The model before any defense, in a sentence."""
    if poisoned:
        head = f"Before any defense the backdoor worked on {_pct(before.asr)} of triggered held-out images."
        if before.asr < TOOK_HOLD:  # a rate of 0 aside: too little poison, too few epochs, a trigger that shows nothing
            return (f"{head} That is under the {TOOK_HOLD:.0%} at which the lab counts an attack as having taken "
                    "hold, so what a defense does to this model says little: judge the defenses on one where it did.")
        return head
    if before.asr <= 0:
        return ("Nothing was poisoned, so there is no backdoor: with the trigger on, the model gives the attacker's "
                "answer for none of the triggered held-out images.")
    return (f"Nothing was poisoned, so there is no backdoor: with the trigger on, the model gives the attacker's "
            f"answer for {_pct(before.asr)} of triggered held-out images (its own mistakes).")


def _refused(o: Outcome) -> str:
    return f", refusing {_pct(o.refused)} of honest requests" if o.refused > 0 else ""


def _figures(o: Outcome, before: Evaluation) -> str:
    return (f"attack success {shown_asr(o.after.asr)} and clean accuracy {_pct(o.after.clean_acc)} "
            f"({_cost_words(o.cost(before))}{_refused(o)})")


def kind_words(repaired: list[Outcome]) -> tuple[str, str]:
    """What the defenses that changed the figures are called, one and several: "repair" (the model or its
    data changed), "monitor" (requests screened in service), or, for a mix, "repair or monitor" and
    "repairs and monitors"."""
    kinds = {o.monitor for o in repaired}
    if kinds == {True}:
        return "monitor", "monitors"
    return ("repair", "repairs") if kinds != {False, True} else ("repair or monitor", "repairs and monitors")


def _all_of(repaired: list[Outcome]) -> str:
    """Every one of them: "both repairs", "all 3 monitors", "the repair and the monitor"."""
    one, many = kind_words(repaired)
    if len({o.monitor for o in repaired}) == 2:  # a mix: two of them are one repair and one monitor
        return "the repair and the monitor" if len(repaired) == 2 else f"all {len(repaired)} {many}"
    return all_of(len(repaired), one)


def side_effects(before: Evaluation, repaired: list[Outcome]) -> str:
    """What each repair or monitor changed, as its cost alone: "STRIP, 5.0 points of clean accuracy lost,
    refusing 5.0% of honest requests; Fine-Pruning, at no cost in clean accuracy"."""
    return "; ".join(f"{o.title}, {_cost_words(o.cost(before))}{_refused(o)}" for o in repaired)


def _stopped(o: Outcome) -> bool:
    return o.after.asr <= STOPPED


def defenses_reading(before: Evaluation, outcomes: list[Outcome], poisoned: Optional[bool] = None) -> str:
    """What the defenses run on one model did, in plain words, from their own numbers (after ``opening``).
    ``poisoned`` None: as the outcomes' own counts say, else poisoned. With nothing poisoned no repair is
    called best: each one's change is read as its cost alone."""
    if poisoned is None:
        poisoned = known_poisoned(outcomes) is not False
    if not outcomes:
        return "No defense has been run on this model yet."
    parts = []
    for o in (o for o in outcomes if not o.repaired):
        advice = o.flagged and poisoned and o.caught != 0  # removing only clean images removes no backdoor
        parts.append(detection_sentence(o) + (" Remove the flagged images and retrain to see whether the backdoor "
                                              "goes." if advice else ""))
    winners = best(outcomes, before)
    repairs = [o for o in outcomes if o.repaired]
    if not winners:
        parts.append("None of the defenses run so far has changed the model, so its attack success is unchanged.")
        return " ".join(parts)
    one, many = kind_words(repairs)
    if not poisoned:  # nothing to repair: no "best repair", only what each one cost (a false alarm's price)
        parts.append(f"With no backdoor to remove, what {agree(len(repairs), 'the ' + one, 'each ' + one)} changed "
                     f"is a side effect, not a fix: {side_effects(before, repairs)}.")
        return " ".join(parts)
    lead = winners[0]
    weighing = "Weighing attack success left, clean accuracy lost and honest requests refused,"
    if len(repairs) == 1:
        parts.append(f"The one {one} run, {lead.title}, left {_figures(lead, before)}.")
    elif len(winners) > 1:
        who = (f"{_all_of(repairs)} did equally well" if len(winners) == len(repairs)
               else f"{and_list(o.title for o in winners)} did equally well among the {len(repairs)} {many}")
        shown = {_figures(o, before) for o in winners}
        left = (f"each left {shown.pop()}" if len(shown) == 1
                else "; ".join(f"{o.title} left {_figures(o, before)}" for o in winners))
        parts.append(f"{weighing} {who}: {left}.")
    else:
        parts.append(f"{weighing} the best of the {len(repairs)} {many} is {lead.title}: {_figures(lead, before)}.")
    parts.extend(_verdict(before, winners, repairs))
    return " ".join(parts)


def _verdict(before: Evaluation, winners: list[Outcome], repairs: list[Outcome]) -> list[str]:
    """Whether any repair stopped the attack (at most 1 triggered image in 10 through), judged on every
    repair, not only the best: the best weighs accuracy too, and may leave more of the attack than another."""
    over = [o for o in winners if not _stopped(o)]
    if not over:
        return []
    line = f"{STOPPED:.0%}"
    stoppers = [o for o in repairs if _stopped(o)]
    if not stoppers:
        return [f"No {kind_words(repairs)[0]} brought the attack to {line} or below: this model should not be trusted."]
    names = and_list(o.title for o in over)
    others = and_list(f"{o.title} (attack success {shown_asr(o.after.asr)}, {_cost_words(o.cost(before))}{_refused(o)})"
                      for o in stoppers)
    return [f"{names} still {agree(len(over), 'leaves', 'leave')} the attack above {line}, but {others} brought it "
            f"to {line} or below."]


def reading(before: Evaluation, outcomes: list[Outcome], poisoned: Optional[bool] = None) -> str:
    """The defenses run on one model, in plain words, from their own numbers. ``poisoned`` False: nothing
    was poisoned, so there is no backdoor to remove; None: as the outcomes' own counts say, else poisoned."""
    if poisoned is None:
        poisoned = known_poisoned(outcomes) is not False
    return opening(before, poisoned) + " " + defenses_reading(before, outcomes, poisoned)
