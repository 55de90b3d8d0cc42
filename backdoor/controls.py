"""The controls table: what each defense catches, misses and costs, and who owns it, from the matrix.

Every verdict and cost here is read off a measured ``Matrix`` (``backdoor/matrix.py``): an attack
is caught when the defense took it from at least 50% success to 10% or less (``Matrix.stopped``),
missed when it worked and the defense did not stop it. The costs are put in business terms:
compute before each release, a retraining, model runs per request, honest requests refused,
points of accuracy. Only each control's one-line description, its owner (a role) and its NIST
AI RMF function are words, kept in ``lessons/controls.toml``. Change a setting or a seed, and the
matrix, the table and the advice change with it.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from backdoor.attacks.registry import ATTACKS
from backdoor.defenses.registry import DEFENSES
from backdoor.matrix import NO_DEFENSE, Matrix, MatrixConfig, matrix_rows
from backdoor.outcomes import STOPPED
from backdoor.presets import PRESETS
from backdoor.reference import shown_percent
from backdoor.wording import all_of, and_list, never_rounded, none_of

WORDS = Path(__file__).resolve().parent.parent / "lessons" / "controls.toml"
WORKED = 0.5  # an attack "worked" without a defense at this success or more (as ``Matrix.stopped`` asks)
NOTICED = 1.0  # points: a drop above this a careful accuracy check could notice (as ``report.findings``)
NOT_JUDGED = "no attack took hold here"


@dataclass(frozen=True)
class Missed:
    attack: str  # its name on the stakeholder path
    asr: float  # triggered inputs still sent where the attacker wants, after the control


@dataclass(frozen=True)
class Control:
    key: str  # a matrix column
    title: str
    plain: str
    owner: str
    nist: str
    catches: tuple[str, ...]  # attacks it stopped, by name
    misses: tuple[Missed, ...]  # attacks that worked and got through it
    seconds: float  # the most compute it took on one model, on this server, before release
    retrains: bool  # its repair retrains the model once
    runs_per_request: int  # model runs per request in service (1 without a monitor)
    refused: float  # the most honest requests it turned away, over the attacks
    points: float  # the most clean-accuracy points lost against a clean model (refusals not counted)
    attacks: int  # how many attacks worked, so "catches 3 of 5"
    clean_points: float | None = None  # on a model with no backdoor: points lost (refusals not counted); None: not run
    clean_refused: float = 0.0  # on a model with no backdoor: honest requests turned away

    @property
    def no_attack(self) -> str:
        """What it costs when there is no backdoor at all (the matrix's false alarms), in business terms."""
        if self.key == NO_DEFENSE:
            return "nothing: it is the test every model already gets"
        if self.clean_points is None:
            return "not measured on a clean model yet"
        points = round(100 * self.clean_points, 1)
        parts = []
        if self.clean_refused > 0:
            parts.append(f"it still turns away {_share(self.clean_refused)} of honest customers or patients")
        if points > 0:
            parts.append(f"it still costs {points:.1f} points of accuracy")
        elif points < 0:
            parts.append(f"its result scores {-points:.1f} points better")
        return " and ".join(parts) if parts else "it costs no accuracy and refuses no one"

    @property
    def action(self) -> str:
        """What to do, without the paper's name: "Prune and retune before release"."""
        return self.title.split(" (")[0]

    @property
    def cost(self) -> str:
        """Its cost in business terms, from its measured figures."""
        if self.key == NO_DEFENSE:
            return "nothing extra: it is the test every model already gets"
        if self.attacks == 0:  # no cell was measured on a working attack: 0 s and 0 points would be made up
            return f"not measured: {NOT_JUDGED}"
        took = "under a second" if self.seconds < 0.5 else f"about {_duration(self.seconds)}"  # never "about 0 s"
        monitor = self.runs_per_request > 1  # its seconds before release: its threshold set and tested
        parts = [f"{took} per model before each release on this server to set and test its threshold" if monitor
                 else f"{took} of compute per model before each release on this server"]
        if self.retrains:
            parts.append("one retraining")
        if monitor:
            parts.append(f"{self.runs_per_request} model runs per request instead of 1")
        if self.refused > 0:
            share = _share(self.refused)
            bound = "" if share.startswith(("fewer", "more")) else "up to "  # "up to fewer than 0.1%" reads wrong
            parts.append(f"{bound}{share} of honest customers or patients refused")
        points = round(100 * self.points, 1)
        parts.append(f"up to {points:.1f} points of accuracy" if points > 0 else "no accuracy lost")
        return "; ".join(parts)

    @property
    def verdict(self) -> str:
        """What it catches and misses, in the attacks' names (true for one attack, none caught and all)."""
        n, missed = self.attacks, [m.attack for m in self.misses]
        if n == 0:
            return f"Not judged: {NOT_JUDGED}."
        if self.key == NO_DEFENSE:
            return f"Catches {none_of(n, 'attack')}: {_accuracy_test(self.points, n)}."
        if n == 1:
            return (f"Catches the one attack that worked: {self.catches[0]}." if self.catches
                    else f"Misses the one attack that worked: {missed[0]}.")
        if not self.catches:
            return f"Catches {none_of(n, 'attack')}. Misses: {and_list(missed)}."
        if not missed:
            return f"Catches {all_of(n, 'attack')}: {and_list(self.catches)}."
        return f"Catches {len(self.catches)} of {n}: {and_list(self.catches)}. Misses: {and_list(missed)}."

    @property
    def residual(self) -> str:
        """The risk left after it."""
        if self.attacks == 0:
            return f"Not judged: {NOT_JUDGED}."
        if not self.misses:
            return ("None of the attacks tested here got through; an attack not in the matrix may, so keep "
                    "another control behind it.")
        worst = _missed(max(m.asr for m in self.misses))
        at_worst = [m.attack for m in self.misses if _missed(m.asr) == worst]  # several when they tie
        if len(self.misses) == self.attacks:
            on = "" if self.attacks == 1 else f" on {all_of(self.attacks, 'attack')}"
        else:
            on = f" on {len(self.misses)} of {self.attacks} attacks"
        if len(at_worst) == 1:
            return f"The attacker still wins{on}: up to {worst} of triggered inputs ({at_worst[0]})."
        if len(at_worst) == len(self.misses):
            return f"The attacker still wins{on}: {worst} of triggered inputs on each."
        # the verdict above names the misses; the brief's cell stays short
        return f"The attacker still wins{on}: up to {worst} of triggered inputs (on {len(at_worst)} of them)."


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _missed(asr: float) -> str:
    """A missed attack's success: whole percent where that is clearly above the 10% line, else one decimal
    never rounded onto it (10.4% is not "10%", which would read as caught)."""
    return f"{asr:.0%}" if round(100 * asr) > 100 * STOPPED else shown_percent(asr, STOPPED)


def _share(x: float) -> str:
    """A share of honest requests: never "0.0%" for some, nor "100.0%" for not all."""
    return never_rounded(x, under="fewer than", over="more than")


def _accuracy_test(points: float, n: int) -> str:
    """What the accuracy test saw on ``n`` (>= 1) backdoored models, ``points`` the most any lost against
    a clean model: "at most" for several (the worst is not every model's), and "passes" only within
    ``NOTICED`` points (as ``report.findings`` words it): a bigger drop a careful check could notice."""
    lost = round(100 * points, 1) + 0.0
    one = n == 1
    who = {1: "the backdoored model", 2: "both backdoored models"}.get(n, "every backdoored model")
    passes, scores = ("pass", "score") if n == 2 else ("passes", "scores")
    if lost == 0:
        return f"{who} {passes} it, " + ("at the same accuracy as" if one else "no less accurate than") + " a clean model"
    if lost < 0:
        return f"{who} {passes} it, {'' if one else 'each at least '}{-lost:.1f} points above a clean model"
    if lost <= NOTICED:
        return f"{who} {passes} it, {'' if one else 'at most '}{lost:.1f} points below a clean model"
    if one:
        return f"{who} {scores} {lost:.1f} points below a clean model, a drop a careful check could notice"
    return (f"{who} {scores} at most {lost:.1f} points below a clean model, and a careful check could notice "
            "the largest drop")


@lru_cache(maxsize=4)
def words(path: Path = WORDS) -> dict[str, dict[str, str]]:
    """Each control's words, read once per process (callers only read them)."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def controls(matrix: Matrix, names: Mapping[str, str] | None = None, path: Path = WORDS) -> list[Control]:
    """One control per matrix column, in the matrix's order; ``names`` gives each attack its name on
    the stakeholder path (the matrix's row names otherwise)."""
    said = words(path)
    names = dict(names or {})
    worked = [r.attack for r in matrix.rows if r.asr >= WORKED]
    found = []
    for key in matrix.defenses:
        cells = [matrix.cell(a, key) for a in worked]
        cells = [c for c in cells if c is not None]
        spec = DEFENSES[key] if key != NO_DEFENSE else None
        # a defense without its words yet (a new plug-in) still gets a row, its owner not yet assigned
        text = said.get(key) or {"title": spec.title, "plain": spec.looks_at, "owner": "not assigned yet",
                                 "nist": "Measure"}
        runs = spec.runs_per_request(spec.config) if spec is not None and spec.runs_per_request else 1
        stopped = [a for a in worked if key != NO_DEFENSE and matrix.stopped(a, key)]
        alarm = matrix.false_alarm(key)  # the same control on a model with no backdoor
        found.append(Control(
            key=key, title=text["title"], plain=text["plain"], owner=text["owner"], nist=text["nist"],
            catches=tuple(names.get(a, a) for a in stopped),
            misses=tuple(Missed(names.get(c.attack, c.attack), c.asr) for c in cells if c.attack not in stopped),
            seconds=max((c.seconds for c in cells), default=0.0),
            retrains=spec is not None and spec.needs_training_data,
            runs_per_request=runs,
            refused=max((c.refused for c in cells), default=0.0),
            # a refused honest request counts as lost accuracy in a monitor's cell; here it is counted apart
            points=max((c.drop - c.refused for c in cells), default=0.0),
            attacks=len(worked),
            clean_points=None if alarm is None else alarm.drop - alarm.refused,
            clean_refused=0.0 if alarm is None else alarm.refused,
        ))
    return found


def recommend(table: list[Control]) -> list[str]:
    """The advice, from the same evidence: the control that stops the most attacks at the least cost,
    then whatever stops what it misses, and what nothing here stops. Each line is one sentence."""
    repairs = [c for c in table if c.key != NO_DEFENSE]
    if not table:
        return []
    attacks = table[0].attacks
    if attacks == 0:
        return ["No attack took hold in training here, so this matrix cannot rank the controls: try other settings."]
    lines = []
    test = next((c for c in table if c.key == NO_DEFENSE), None)
    if test is not None:
        lost = round(100 * test.points, 1)
        if lost <= NOTICED:
            lines.append(f"Do not rely on accuracy testing: it passed {all_of(attacks, 'backdoored model')}.")
        else:  # a drop a careful check could notice: it still does not say there is a backdoor
            lines.append(f"Do not rely on accuracy testing: {all_of(attacks, 'backdoored model')} scored "
                         f"{'' if attacks == 1 else 'at most '}{lost:.1f} points below a clean model, which a careful "
                         "check could notice, but a lower score does not say there is a backdoor.")
    left: set[str] = {m.attack for c in repairs for m in c.misses} | {a for c in repairs for a in c.catches}
    picked: list[Control] = []
    while left:
        # the most attacks stopped; on a tie, the fewest honest requests handled wrongly (accuracy lost
        # plus honest requests refused), then the least compute
        best = max(repairs, key=lambda c: (len(left & set(c.catches)), -round(c.points + c.refused, 4), -c.seconds))
        gained = left & set(best.catches)
        if not gained:
            break
        picked.append(best)
        left -= gained
        lead = "First" if len(picked) == 1 else "Then"
        lines.append(f"{lead}, {best.action[0].lower()}{best.action[1:]}: it stopped {and_list(a for a in best.catches if a in gained)}, "
                     f"costing {best.cost} (owner: {best.owner}).")
    if left:
        it = "it" if len(left) == 1 else "them"
        lines.append(f"No control tested here stopped {and_list(sorted(left))}: keep provenance checks, vendor "
                     f"clauses and monitoring for {it}, and expect {it} to get through.")
    elif picked:
        every = {1: "the one attack", 2: "both attacks"}.get(attacks, "every attack")
        who = "It" if len(picked) == 1 else "Together these"
        lines.append(f"{who} stopped {every} that worked here; an attack not in the matrix may still "
                     "get through, so keep monitoring and a rollback path.")
    return lines


def attack_names(config: MatrixConfig) -> dict[str, str]:
    """Each matrix row's name on the stakeholder path: the scenario (preset) whose attack it is, else its
    own title. The attack decides (its data, trigger, rate and target), not the training settings."""
    def attack(s) -> tuple:
        return s.dataset, s.attack, s.trigger, s.poison.rate, s.poison.target

    names = {}
    for name, row in matrix_rows().items():
        here = attack(config.scenario(name))
        names[name] = next((p.title for p in PRESETS.values() if attack(p.scenario) == here), row.title)
    return names


def attack_stories(names: set[str]) -> list[tuple[str, str]]:
    """What each attack named on the stakeholder path does, in one plain sentence: a scenario's own
    story (Start page, in the scenarios' order), then, for an attack with no scenario (such as
    Adap-Blend), its summary, in the matrix's order."""
    told = {p.title: p.story for p in PRESETS.values()}
    for row in matrix_rows().values():
        spec = ATTACKS[row.attack]
        told.setdefault(row.title, f"The {spec.row_title} trigger, but with it every class is read as the next one "
                                   "instead of one target class." if row.all_to_all else spec.summary)
    return [(name, story) for name, story in told.items() if name in names]
