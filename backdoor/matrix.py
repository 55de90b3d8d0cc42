"""Every attack against every defense: the attack x defense matrix, cached on disk.

Each row is one attack at its default settings (trained once); each column is a defense
run on that model through the defense runner registry, or "none". A cell records the
attack success rate and the clean accuracy after the defense, both measured on held-out
test images the defense never saw, and the clean-accuracy drop against a model trained
on clean data. Data-inspection defenses (Activation Clustering, Spectral Signatures) are
followed by their action, retraining without the flagged samples.

Every defense is also run on the clean model itself (``Matrix.false_alarms``), as a defender
would run it without knowing whether there is a backdoor: what it flags there is a false
alarm, what its repair costs there is paid for nothing, and a monitor's refusals there are
honest requests turned away.

The whole matrix is a pure function of its ``MatrixConfig``; the result is written as
JSON under the cache folder, keyed by a hash of that configuration, so a second visit
reads it back instead of retraining.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from backdoor import estimates
from backdoor.attacks import ALL_TO_ALL, ATTACKS, PoisonConfig
from backdoor.datasets import Dataset, atomic_write
from backdoor.results import results_dir
from backdoor.defenses.common import Evaluation, ProgressFn, no_progress, step_progress
from backdoor.defenses.lab import Lab, retrain_without
from backdoor.defenses.registry import DEFENSES
from backdoor.metrics import clean_accuracy
from backdoor.outcomes import Outcome, STOPPED
from backdoor.scenario import Scenario, poisoned_training_set
from backdoor.store import is_stored, load_or_train
from backdoor.train import TrainConfig
from backdoor.wording import count_of, whole_percent
from backdoor.matrix_axes import (CLEAN, NO_DEFENSE, Row, column_title, matrix_columns, matrix_rows,  # noqa: F401
                                  row_title)


VERSION = 8  # bump when a change to the code would change the figures


@dataclass(frozen=True)
class MatrixConfig:
    """What the matrix is computed on: the base scenario (data, model, training, target)
    and which rows and columns to fill."""

    dataset: str = "mnist-5k"
    model: str = "small-cnn"
    train: TrainConfig = field(default_factory=TrainConfig)
    target: int = 0
    data_seed: int = 0
    rows: tuple[str, ...] = field(default_factory=lambda: tuple(matrix_rows()))  # those that fit the data set are filled
    columns: tuple[str, ...] = field(default_factory=matrix_columns)
    false_alarms: bool = True  # also run every defense on the clean model

    def __post_init__(self) -> None:
        unknown = [r for r in self.rows if r not in matrix_rows()] + [c for c in self.columns if c not in matrix_columns()]
        if unknown:
            raise ValueError(f"Unknown matrix rows or columns: {unknown}")

    def base(self) -> Scenario:
        # the poison is seeded like the lab's own (ui.state.current_scenario), so a row at the
        # sidebar's settings is the very model the other pages show
        return Scenario(dataset=self.dataset, model=self.model, train=self.train, data_seed=self.data_seed,
                        poison=PoisonConfig(target=self.target, seed=self.data_seed))

    def scenario(self, row: str) -> Scenario:
        return matrix_rows()[row].scenario(self.base())

    def clean_scenario(self) -> Scenario:
        """The clean model as the defenses see it: the default attack's trigger (what its "attack
        success" is measured with) and nothing poisoned."""
        base = self.base()
        return replace(base, poison=replace(base.poison, rate=0.0))

    def expected_fraction(self) -> float:
        """The poisoned share a defender guesses on a model that may have no backdoor at all:
        the default attack's own rate."""
        return ATTACKS[self.base().attack].default_rate

    def key(self) -> str:
        """A stable name for this configuration, the attacks' and defenses' own defaults
        included (so a changed default never reads an old matrix), and this version of the code."""
        defaults = [DEFENSES[c].config for c in self.columns if c != NO_DEFENSE]
        text = repr((VERSION, self, [self.scenario(r) for r in self.rows], defaults))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Cell:
    attack: str
    defense: str
    clean_acc: float  # on held-out clean images, after the defense
    asr: float  # on held-out triggered images, after the defense
    drop: float  # clean-accuracy points lost against the clean baseline (can be negative)
    seconds: float
    detail: str  # what the defense found, in words
    found: float | None = None  # data inspection only: the fraction of poisoned images it flagged (recall)
    refused: float = 0.0  # a serving-time monitor: the share of honest held-out inputs it turns away
    flagged: int | None = None  # data inspection only: how many training images it flagged

    @property
    def low(self) -> bool:
        """At most one triggered image in ten still hijacked after this defense."""
        return self.asr <= STOPPED

    @classmethod
    def measured(cls, attack: str, defense: str, after: Evaluation, baseline_acc: float, seconds: float,
                 detail: str, found: float | None = None, refused: float = 0.0, flagged: int | None = None) -> "Cell":
        """A cell from the figures measured after the defense; its drop is against the clean model
        (``baseline_acc``), so a defense that costs accuracy has a positive drop."""
        return cls(attack, defense, after.clean_acc, after.asr, baseline_acc - after.clean_acc, seconds, detail, found,
                   refused, flagged)


@dataclass(frozen=True)
class AttackRow:
    attack: str
    poison_rate: float
    poisoned_images: int
    clean_acc: float  # on the same held-out images as every cell
    asr: float
    seconds: float


@dataclass(frozen=True)
class Matrix:
    config_key: str
    dataset: str
    baseline_clean_acc: float
    rows: list[AttackRow]
    cells: list[Cell]
    seconds: float
    false_alarms: list[Cell] = field(default_factory=list)  # each defense on the clean model (attack CLEAN)
    clean_asr: float = 0.0  # how often the default trigger sends a clean model's images to the target

    def false_alarm(self, defense: str) -> Cell | None:
        """What ``defense`` did to the clean model (None when not measured)."""
        return next((c for c in self.false_alarms if c.defense == defense), None)

    def seconds_range(self, defense: str) -> tuple[float, float]:
        """The fewest and most seconds ``defense`` took on any row (the clean model included)."""
        times = [c.seconds for c in self.cells + self.false_alarms if c.defense == defense]
        return (min(times), max(times)) if times else (math.nan, math.nan)

    def stopped(self, attack: str, defense: str) -> bool:
        """The attack worked without a defense (at least 50%) and this defense took it to 10% or less."""
        before, after = self.cell(attack, NO_DEFENSE), self.cell(attack, defense)
        return bool(before and after and before.asr >= 0.5 and after.low)

    def cell(self, attack: str, defense: str) -> Cell | None:
        return next((c for c in self.cells if c.attack == attack and c.defense == defense), None)

    def grid(self, value: str) -> list[list[float]]:
        """``value`` ("asr", "drop", "clean_acc") per row and column (NaN where missing)."""
        attacks, defenses = self.attacks, self.defenses
        return [[getattr(self.cell(a, d), value, math.nan) if self.cell(a, d) else math.nan for d in defenses]
                for a in attacks]

    @property
    def attacks(self) -> list[str]:
        return [r.attack for r in self.rows]

    @property
    def defenses(self) -> list[str]:
        return list(dict.fromkeys(c.defense for c in self.cells))

    def to_csv(self) -> str:
        # clean_accuracy_lost_points: against a clean model, positive = worse (as on every page)
        lines = ["attack,defense,asr_after,clean_acc_after,clean_accuracy_lost_points,seconds,detail"]
        for c in self.cells + self.false_alarms:
            detail = c.detail.replace('"', "'")
            lines.append(f'{c.attack},{c.defense},{c.asr:.4f},{c.clean_acc:.4f},{100 * c.drop + 0.0:.2f},{c.seconds:.2f},"{detail}"')
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Matrix":
        data = json.loads(text)
        return cls(
            data["config_key"], data["dataset"], data["baseline_clean_acc"],
            [AttackRow(**r) for r in data["rows"]], [Cell(**c) for c in data["cells"]], data["seconds"],
            [Cell(**c) for c in data.get("false_alarms", [])], data.get("clean_asr", 0.0),
        )


def _detail(outcome: Outcome | None) -> str:
    """What the defense found, in a sentence."""
    if outcome is None:
        return "the backdoored model as trained"
    if outcome.flags is None:
        return outcome.detail
    if not outcome.flagged:
        return "flagged no training image, so the model stays as it was"
    if not outcome.poisoned:
        return (f"flagged {count_of(outcome.flagged, 'training image')}, none of them poisoned (nothing was); "
                "retrained without them")
    precision = outcome.caught / outcome.flagged
    recall = outcome.caught / outcome.poisoned if outcome.poisoned else 0.0
    return (f"flagged {count_of(outcome.flagged, 'training image')}, {outcome.caught} of them poisoned "
            f"(precision {whole_percent(precision)}, recall {whole_percent(recall)}); retrained without them")


def _retrained(lab: Lab, flags: torch.Tensor, before: Evaluation, done: dict[bytes, Evaluation],
               on_progress: ProgressFn) -> Evaluation:
    """Retrain without the flagged samples, once per distinct set of flags. Training is
    seeded, so removing nothing gives back the very model already measured (``before``)."""
    if not flags.any():
        return before
    key = flags.numpy().tobytes()
    if key not in done:
        done[key] = retrain_without(lab, flags, on_progress)[1]
    return done[key]


def compute_matrix(
    dataset: Dataset,
    config: MatrixConfig = MatrixConfig(),
    device: torch.device | str = "cpu",
    on_progress: ProgressFn = no_progress,
) -> Matrix:
    """Train every attack once and run every defense on it (minutes on a laptop CPU).

    Progress is reported in hundredths of a step, with a label naming the step.
    """
    start = time.perf_counter()
    table = matrix_rows()
    rows_here = [r for r in config.rows if table[r].fits(dataset.name)]
    alarms = [c for c in config.columns if c != NO_DEFENSE] if config.false_alarms else []
    total = 1 + len(rows_here) * len(config.columns) + len(alarms)
    step = 0
    base = config.base()
    baseline = load_or_train(dataset, base, "baseline", device,
                             step_progress(on_progress, 0, total, "training a clean model")).model
    attack_rows: list[AttackRow] = []
    cells: list[Cell] = []
    baseline_acc = clean_accuracy(baseline, *dataset.held_out, device)  # the images every cell is measured on
    for row in rows_here:
        scenario = config.scenario(row)
        step += 1
        title = table[row].title
        tick = time.perf_counter()
        poisoned = poisoned_training_set(dataset, scenario)
        model = load_or_train(dataset, scenario, "backdoored", device,
                              step_progress(on_progress, step, total, f"{title}: training")).model
        lab = Lab(dataset, scenario, model, f"matrix-{row}", poisoned)
        before = lab.evaluate(model)
        retrained: dict[bytes, Evaluation] = {}
        attack_rows.append(AttackRow(row, scenario.poison.rate, poisoned.num_poisoned, before.clean_acc, before.asr,
                                     time.perf_counter() - tick))
        for defense in config.columns:
            if defense == NO_DEFENSE:
                cells.append(Cell.measured(row, defense, before, baseline_acc, 0.0, _detail(None)))
                continue
            step += 1
            report = step_progress(on_progress, step, total, f"{title}: {column_title(defense)}")
            tick = time.perf_counter()
            settings = {"expected_fraction": scenario.poison.rate}
            cells.append(_cell(lab, row, defense, DEFENSES[defense].apply(lab, settings, report), before,
                               baseline_acc, tick, retrained, report))
        on_progress(step * 100 + 99, total * 100, f"{title}: done")
    false_alarms, clean_asr = [], 0.0
    if alarms:  # every defense on the clean model, as a defender who cannot know there is no backdoor
        scenario = config.clean_scenario()
        lab = Lab(dataset, scenario, baseline, "matrix-clean", poisoned_training_set(dataset, scenario))
        before = lab.evaluate(baseline)
        clean_asr, retrained = before.asr, {}
        settings = {"expected_fraction": config.expected_fraction()}
        for defense in alarms:
            step += 1
            report = step_progress(on_progress, step, total, f"Clean model: {column_title(defense)}")
            tick = time.perf_counter()
            false_alarms.append(_cell(lab, CLEAN, defense, DEFENSES[defense].apply(lab, settings, report), before,
                                      baseline_acc, tick, retrained, report))
    on_progress(total * 100, total * 100, "done")
    return Matrix(config.key(), dataset.name, baseline_acc, attack_rows, cells, time.perf_counter() - start,
                  false_alarms, clean_asr)


def _cell(lab: Lab, attack: str, defense: str, outcome: Outcome, before: Evaluation, baseline_acc: float,
          tick: float, retrained: dict[bytes, Evaluation], report: ProgressFn) -> Cell:
    """The cell for one defense's ``outcome``; a data inspection is followed by its action, retraining
    without the flagged samples. Its seconds count from ``tick``, the retraining included."""
    after, found = outcome.after, None
    if outcome.flags is not None:
        after = _retrained(lab, outcome.flags, before, retrained, report)
        found = outcome.caught / outcome.poisoned if outcome.poisoned else None
    return Cell.measured(attack, defense, after, baseline_acc, time.perf_counter() - tick, _detail(outcome), found,
                         outcome.refused, outcome.flagged)


def config_for(scenario: Scenario, dataset: str) -> MatrixConfig:
    """The matrix for a scenario's data, model and training (what the Matrix page shows for the
    current settings, and ``make warm`` prepares for each preset)."""
    return MatrixConfig(dataset=dataset, model=scenario.model, train=scenario.train,
                        target=0 if scenario.target == ALL_TO_ALL else scenario.target, data_seed=scenario.data_seed)


def matrix_path(config: MatrixConfig) -> Path:
    """In the model store's results, so replicas and restarts open it (``backdoor.results``)."""
    return results_dir() / "matrix" / f"{config.dataset}-{config.key()}.json"


def load_matrix(config: MatrixConfig) -> Matrix | None:
    """The stored matrix for this configuration, or None (also when the file is damaged)."""
    path = matrix_path(config)
    try:
        return Matrix.from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_matrix(config: MatrixConfig, matrix: Matrix) -> Path:
    """Write atomically, so a reader never sees half a file."""
    path = matrix_path(config)
    atomic_write(path, lambda f: f.write(matrix.to_json().encode()))
    return path


def matrix(dataset: Dataset, config: MatrixConfig = MatrixConfig(), device="cpu",
           on_progress: ProgressFn = no_progress) -> Matrix:
    """From disk when computed before, else computed and stored."""
    stored = load_matrix(config)
    if stored is not None:
        return stored
    result = compute_matrix(dataset, config, device, on_progress)
    save_matrix(config, result)
    return result


def estimate(shape: estimates.DataShape, config: MatrixConfig, device) -> estimates.Estimate:
    """``compute_matrix``'s time: a clean model, then per attack its training, every defense, and one
    retraining after the data inspections (when one flags anything). Stored models are read, not trained."""
    base = config.base()
    seconds = estimates.evaluation_seconds(shape, base, device, shape.held_out, asr=False)
    if not is_stored(base, "baseline"):
        seconds += estimates.training_seconds(shape, base.baseline(), device, measure_asr=False)
    table = matrix_rows()
    defenses = [DEFENSES[c] for c in config.columns if c != NO_DEFENSE]
    for row in (r for r in config.rows if table[r].fits(shape.name)):
        scenario = config.scenario(row)
        settings = {"expected_fraction": scenario.poison.rate}
        seconds += estimates.evaluation_seconds(shape, scenario, device, shape.held_out)
        if not is_stored(scenario, "backdoored"):
            seconds += estimates.training_seconds(shape, scenario, device)
        seconds += sum(d.seconds(shape, scenario, device, settings) for d in defenses)
        if any(d.needs_training_data for d in defenses):
            seconds += estimates.retrain_seconds(shape, scenario, device)
    if config.false_alarms:  # every defense once more, on the clean model
        clean = config.clean_scenario()
        settings = {"expected_fraction": config.expected_fraction()}
        seconds += sum(d.seconds(shape, clean, device, settings) for d in defenses)
        if any(d.needs_training_data for d in defenses):
            seconds += estimates.retrain_seconds(shape, clean, device)
    return estimates.Estimate.of("matrix", (shape, config, str(device)), seconds)
