"""The red-vs-blue round: red students submit backdoored models within the rules, blue students
judge an anonymised pool of them mixed with clean decoys, and both sides score.

Red's weights are the ones the model store already holds (every trained model is stored); a
submission records which, with its measured figures. Decoys are clean models the server trains
from the class's starting scenario with other training seeds, stored the same way, so every
replica and every restart shares them.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace

from backdoor.classroom.events import Event
from backdoor.datasets import Dataset
from backdoor.scenario import Scenario
from backdoor.store import load_or_train, model_hash
from backdoor.defenses.common import ProgressFn, no_progress, step_progress
from backdoor.wording import count_of

MAX_POISON = 0.10  # red may poison at most this share of the training images
MAX_CLEAN_DROP = 0.02  # ... and lose at most this much clean accuracy against the clean model
DECOYS = 2  # clean models mixed into the pool
RED_POINTS = 10  # a red model's points: RED_POINTS x ASR x the share of blue verdicts it fooled

RULES = (f"Poison at most {MAX_POISON:.0%} of the training images; clean accuracy at most "
         f"{100 * MAX_CLEAN_DROP:.0f} points below the clean model's; any attack, any target class; the class's "
         "data set.")
SCORING = (f"Blue: 1 point for each pool model called right (clean or backdoored), 1 more for the right target. "
           f"Red: up to {RED_POINTS} points per model, its attack success rate times the share of blue verdicts "
           "that called it clean.")


def rule_breaks(dataset: str, class_dataset: str, poison_rate: float, clean_acc: float,
                baseline_clean_acc: float) -> list[str]:
    """Why a red submission breaks the round's rules (empty: it is fine)."""
    why = []
    if dataset != class_dataset:
        why.append(f"it was trained on {dataset}, but the round is on {class_dataset}")
    if poison_rate > MAX_POISON + 1e-9:
        why.append(f"it poisons {_over(poison_rate, MAX_POISON)}% of the training images; the most allowed is "
                   f"{MAX_POISON:.0%}")
    drop = baseline_clean_acc - clean_acc
    if drop > MAX_CLEAN_DROP + 1e-9:
        why.append(f"its clean accuracy is {_over(drop, MAX_CLEAN_DROP)} points below the clean model's; the most "
                   f"allowed is {100 * MAX_CLEAN_DROP:.0f}")
    return why


def _over(value: float, limit: float) -> str:
    """``value`` (a fraction over ``limit``) in percent or points, with as many decimals (one to three) as
    it takes to read above the limit: 0.0204 against 0.02 is "2.04", never "2.0"; "just over 2" beyond."""
    for decimals in (1, 2, 3):
        text = f"{100 * value:.{decimals}f}"
        if float(text) > round(100 * limit, decimals):
            return text
    return f"just over {100 * limit:g}"


def decoy_scenarios(base: Scenario, class_code: str) -> list[Scenario]:
    """The clean decoys' settings: the class's clean model, each with its own training seed."""
    rng = random.Random(f"decoys:{class_code}")
    clean = base.baseline()
    return [replace(clean, train=replace(clean.train, seed=rng.randrange(10_000, 20_000))) for _ in range(DECOYS)]


def prepare_decoys(dataset: Dataset, base: Scenario, class_code: str, device,
                   on_progress: ProgressFn = no_progress) -> list[tuple[str, str]]:
    """Train (or take from the model store) the class's decoys: their ``(store id, architecture)``."""
    decoys = []
    for k, scenario in enumerate(decoy_scenarios(base, class_code)):
        report = step_progress(on_progress, k, DECOYS, f"decoy {k + 1} of {DECOYS}")
        load_or_train(dataset, scenario, "baseline", device, report)
        decoys.append((model_hash(scenario, "baseline"), scenario.model))
    return decoys


@dataclass(frozen=True)
class PoolEntry:
    """One model blue judges. ``label`` is all blue sees; the rest is the answer."""

    label: str
    store_id: str  # its weights' entry in the model store
    architecture: str
    backdoored: bool
    target: int | None
    asr: float | None
    owners: tuple[str, ...]  # red students who submitted it (empty for a decoy)


def pool(class_code: str, red_events: list[Event], decoys: list[tuple[str, str]]) -> list[PoolEntry]:
    """The anonymised pool: each distinct red model once, and the decoys ``(store id, architecture)``,
    in an order fixed by the class code (the same for every student and every replica)."""
    red: dict[str, dict] = {}
    owners: dict[str, list[str]] = {}
    for e in red_events:
        red.setdefault(e.payload["store_id"], e.payload)
        owners.setdefault(e.payload["store_id"], []).append(e.nickname)
    entries = [(sid, p["architecture"], True, p["target"], p["asr"], tuple(owners[sid])) for sid, p in red.items()]
    entries += [(sid, arch, False, None, None, ()) for sid, arch in decoys if sid not in red]
    entries.sort(key=lambda e: hashlib.sha256(f"{class_code}:{e[0]}".encode()).hexdigest())
    return [PoolEntry(_label(i), *e) for i, e in enumerate(entries)]


def _label(i: int) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"Pool model {letters[i % len(letters)]}{'' if i < len(letters) else i // len(letters) + 1}"


def last_verdicts(blue_events: list[Event]) -> dict[tuple[str, str], dict]:
    """(blue nickname, store id) -> that student's last verdict on that model."""
    last: dict[tuple[str, str], dict] = {}
    for e in blue_events:
        last[(e.nickname, e.payload["store_id"])] = e.payload
    return last


@dataclass(frozen=True)
class Score:
    nickname: str
    points: float
    detail: str


def blue_board(entries: list[PoolEntry], blue_events: list[Event]) -> list[Score]:
    truth = {e.store_id: e for e in entries}
    points: dict[str, list[int]] = {}
    for (nickname, sid), verdict in last_verdicts(blue_events).items():
        entry = truth.get(sid)
        if entry is None:
            continue
        tally = points.setdefault(nickname, [0, 0, 0])  # calls right, targets right, verdicts
        tally[2] += 1
        if bool(verdict["backdoored"]) == entry.backdoored:
            tally[0] += 1
            if entry.backdoored and verdict.get("target") == entry.target:
                tally[1] += 1
    board = [Score(n, calls + targets, f"{calls} of {given} called right, {count_of(targets, 'target')} found")
             for n, (calls, targets, given) in points.items()]
    return sorted(board, key=lambda s: (-s.points, s.nickname.casefold()))


def red_board(entries: list[PoolEntry], blue_events: list[Event]) -> list[Score]:
    verdicts = last_verdicts(blue_events)
    points: dict[str, list[float]] = {}
    for entry in entries:
        if not entry.backdoored:
            continue
        calls = [v for (_, sid), v in verdicts.items() if sid == entry.store_id]
        fooled = sum(not v["backdoored"] for v in calls) / len(calls) if calls else 0.0
        for owner in entry.owners:
            tally = points.setdefault(owner, [0.0, 0, 0])
            tally[0] += RED_POINTS * (entry.asr or 0.0) * fooled
            tally[1] += sum(not v["backdoored"] for v in calls)
            tally[2] += len(calls)
    board = [Score(n, round(p, 1), f"fooled {fooled} of {count_of(seen, 'blue verdict')}" if seen else "not judged yet")
             for n, (p, fooled, seen) in points.items()]
    return sorted(board, key=lambda s: (-s.points, s.nickname.casefold()))
