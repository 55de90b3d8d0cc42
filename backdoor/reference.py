"""BackdoorBench's published figures beside the lab's matrix: the same attack and defense pairs.

BackdoorBench (Wu et al., NeurIPS 2022 Datasets and Benchmarks, https://arxiv.org/abs/2206.12654)
publishes, for many attacks and defenses, the clean accuracy and attack success rate after each
defense. The 28 rows kept in ``backdoor/published/backdoorbench_cifar10.csv`` are the pairs the
lab's matrix also has, in one setting (``SETTING``): CIFAR-10, PreAct-ResNet18, 10% poisoned,
all-to-one. STRIP, SCALE-UP, Adap-Blend and all-to-all BadNets have no figures there.

One difference is in the baseline, not the method: the lab's "clean accuracy lost" is measured
against a model trained on clean data, BackdoorBench's (as computed here from its table) against
its own backdoored model before the defense, so its no-defense row loses 0 by construction and a
defense that undoes the backdoor's own small cost can show a gain.

The lab's matrix is measured when it runs; nothing here copies its numbers. The words that explain
why a pair differs are in ``lessons/backdoorbench.toml``.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from backdoor.matrix import NO_DEFENSE, Cell, Matrix, column_title, row_title
from backdoor.outcomes import STOPPED, TOOK_HOLD
from backdoor.wording import and_list

DATA = Path(__file__).resolve().parent / "published" / "backdoorbench_cifar10.csv"
WORDS = Path(__file__).resolve().parent.parent / "lessons" / "backdoorbench.toml"


@dataclass(frozen=True)
class Setting:
    """Where published figures were measured, and where they come from."""

    name: str
    model: str
    dataset: str
    poison_rate: float
    labels: str  # all-to-one: every triggered image is sent to one class
    url: str  # the page that shows the figures
    data: str  # the data file, at a fixed commit
    paper: str


SETTING = Setting(
    name="BackdoorBench",
    model="PreAct-ResNet18",
    dataset="CIFAR-10",
    poison_rate=0.1,
    labels="all-to-one",
    url="https://backdoorbench.github.io/leaderboard-cifar10.html",
    data=("https://github.com/backdoorbench/backdoorbench.github.io/blob/"
          "b98eab46d5478b03cbb13831836a07754dbc46c6/static/data/results.csv (2025-06-04)"),
    paper="https://arxiv.org/abs/2206.12654",
)

# the lab's registry names (matrix rows, defense columns) -> BackdoorBench's; a name missing here has no figures
ATTACK_NAMES = {"badnets": "badnet", "blended": "blended", "wanet": "wanet", "sig": "sig"}
DEFENSE_NAMES = {
    NO_DEFENSE: "no defense",
    "activation_clustering": "ac",
    "spectral_signatures": "spectral",
    "neural_cleanse": "nc",
    "fine_pruning": "fp",
    "anp": "anp",
    "abl": "abl",
}


@dataclass(frozen=True)
class Published:
    """One published pair, under the lab's names.

    ``lost`` is the clean accuracy lost (a fraction; positive = worse) against BackdoorBench's own
    *backdoored* model without a defense, for the same attack. The lab's ``Cell.drop`` is against a
    model trained on clean data: the two baselines differ.
    """

    attack: str
    defense: str
    clean_acc: float
    asr: float
    lost: float


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


@lru_cache(maxsize=2)
def published_table(path: Path = DATA) -> dict[tuple[str, str], Published]:
    """Every published pair in the data file, keyed by the lab's (attack, defense) names."""
    attacks = {theirs: ours for ours, theirs in ATTACK_NAMES.items()}
    defenses = {theirs: ours for ours, theirs in DEFENSE_NAMES.items()}
    rows = _rows(path)
    before = {r["attack_name"]: float(r["test_acc"]) for r in rows if r["defense_name"] == DEFENSE_NAMES[NO_DEFENSE]}
    table = {}
    for r in rows:
        attack, defense = attacks[r["attack_name"]], defenses[r["defense_name"]]
        acc = float(r["test_acc"])
        table[attack, defense] = Published(attack, defense, acc, float(r["test_asr"]), before[r["attack_name"]] - acc)
    return table


def published(attack: str, defense: str) -> Published | None:
    """BackdoorBench's figures for one of the lab's (matrix row, defense) pairs, or None where it has none."""
    return published_table().get((attack, defense))


def agrees(defense: str, ours: float, theirs: float) -> bool:
    """Both attack success rates on the same side of the line: the attack took hold (at least 50%)
    without a defense; the defense stopped it (10% or less) with one."""
    if defense == NO_DEFENSE:
        return (ours >= TOOK_HOLD) == (theirs >= TOOK_HOLD)
    return (ours <= STOPPED) == (theirs <= STOPPED)


def verdict(defense: str, ours: float, theirs: float) -> str:
    """A few words comparing the two attack success rates, true for every value (10% is stopped)."""
    if defense == NO_DEFENSE:
        here, there, line = ours >= TOOK_HOLD, theirs >= TOOK_HOLD, f"≥{TOOK_HOLD:.0%}"
        below = f"<{TOOK_HOLD:.0%}"
    else:
        here, there, line = ours <= STOPPED, theirs <= STOPPED, f"≤{STOPPED:.0%}"
        below = f">{STOPPED:.0%}"
    if here and there:
        return f"agree: {line} in both"
    if not here and not there:
        return f"agree: {below} in both"
    return f"differ: {line} {'here only' if here else 'in BackdoorBench only'}"


def shown_percent(value: float, line: float) -> str:
    """A rate with one decimal, never rounded onto the line it is judged against: 10.04% against
    10% reads ">10.0%", 9.96% reads "<10.0%", so the figure and its verdict never contradict."""
    text = f"{100 * value:.1f}%"
    if round(100 * value, 1) == round(100 * line, 1) and value != line:
        return ("<" if value < line else ">") + text
    return text


def shown_asr(defense: str, asr: float) -> str:
    return shown_percent(asr, TOOK_HOLD if defense == NO_DEFENSE else STOPPED)


def points(lost: float) -> str:
    """Clean accuracy lost, in points with one decimal (negative: gained); never "-0.0"."""
    return f"{round(100 * lost, 1) + 0.0:.1f}"


@dataclass(frozen=True)
class Pair:
    """One of the matrix's cells beside BackdoorBench's figures for the same attack and defense."""

    ours: Cell
    theirs: Published

    @property
    def agrees(self) -> bool:
        return agrees(self.ours.defense, self.ours.asr, self.theirs.asr)

    @property
    def verdict(self) -> str:
        return verdict(self.ours.defense, self.ours.asr, self.theirs.asr)


def pairs(matrix: Matrix) -> list[Pair]:
    """The matrix's cells that BackdoorBench also has, in the matrix's order (defense by defense within an attack)."""
    found = [(cell, published(cell.attack, cell.defense)) for cell in matrix.cells]
    return [Pair(cell, theirs) for cell, theirs in found if theirs is not None]


def not_published(matrix: Matrix) -> tuple[list[str], list[str]]:
    """The matrix's attacks and defenses (their titles) for which BackdoorBench's table has no figures."""
    attacks = [row_title(a) for a in matrix.attacks if a not in ATTACK_NAMES]
    defenses = [column_title(d) for d in matrix.defenses if d not in DEFENSE_NAMES]
    return attacks, defenses


def missing_sentence(matrix: Matrix) -> str:
    """Which of the matrix's rows and columns have no published figures, in a sentence ("" if none)."""
    attacks, defenses = not_published(matrix)
    named = [*attacks, *defenses]
    if not named:
        return ""
    return (f"{SETTING.name}'s table has no figures for {and_list(named)}; "
            f"its attacks are {SETTING.labels} (every triggered image sent to one class).")


def results_table(matrix: Matrix) -> str:
    """The side-by-side markdown table for ``benchmarks/RESULTS.md``: attack success after the
    defense and points of clean accuracy lost, ours beside BackdoorBench's, with the verdict."""
    lines = [f"| attack | defense | ours: ASR / lost | {SETTING.name}: ASR / lost | verdict |",
             "| --- | --- | --- | --- | --- |"]
    for p in pairs(matrix):
        c, t = p.ours, p.theirs
        lines.append(f"| {row_title(c.attack)} | {column_title(c.defense)} | {shown_asr(c.defense, c.asr)} / "
                     f"{points(c.drop)} | {shown_asr(c.defense, t.asr)} / {points(t.lost)} | {p.verdict} |")
    notes = [f"Ours: {matrix.dataset}, points lost against a model trained on clean data. {SETTING.name}: "
             f"{SETTING.dataset}, {SETTING.model}, {SETTING.poison_rate:.0%} poisoned, {SETTING.labels}, points lost "
             f"against its own backdoored model without a defense ({SETTING.url}; data {SETTING.data}).",
             missing_sentence(matrix)]
    return "\n".join(lines) + "\n\n" + " ".join(n for n in notes if n) + "\n"


@lru_cache(maxsize=2)
def explanations(path: Path = WORDS) -> dict:
    """The words: ``general`` (why the two settings differ at all) and, per defense (the lab's
    names, ``none`` included), ``differs``: why its figures may differ from BackdoorBench's."""
    with open(path, "rb") as f:
        return tomllib.load(f)
