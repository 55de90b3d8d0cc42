"""The backdoor on a table of patient records, end to end: the same machinery as the pictures.

One call trains (or loads from the model store) the backdoored and the clean MLP with the one
training loop, measures both in medical terms on the held-out records, explains them with
Integrated Gradients per measurement, and runs every defense that declares it works on tables.
The Patient records page only draws what this returns; the ``tabular`` benchmark measures it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Optional

import torch

from backdoor.attacks import Beyond, FeatureTrigger, PoisonConfig, Poisoned, beyond_range
from backdoor.clinical import ClinicalFigures, clinical_figures
from backdoor.datasets import Dataset
from backdoor.datasets.breast_cancer import BENIGN, MALIGNANT, NAME
from backdoor.defenses.common import ProgressFn, no_progress, step_progress
from backdoor.defenses.lab import Lab, retrain_without
from backdoor.defenses.registry import DEFENSES
from backdoor.explain import attribute, trigger_share
from backdoor.kinds import KINDS
from backdoor.metrics import Evaluation
from backdoor.scenario import Scenario, poisoned_training_set
from backdoor.store import load_or_train
from backdoor.train import TrainConfig, TrainResult

# 200 full-batch Adam steps (one batch holds every training record), as measured in RESULTS.md.
TABLE_TRAINING = TrainConfig(epochs=200, batch_size=512, learning_rate=0.01)
DEFAULT_RATE = 0.075  # 30 of the 398 training records
IG_METHOD = "feature_integrated_gradients"


def table_scenario(features: tuple[int, ...] = FeatureTrigger.features, value: float = 5.0,
                   rate: float = DEFAULT_RATE, seed: int = 0) -> Scenario:
    """The records' scenario: malignant records carrying the trigger relabelled benign, a small MLP,
    the split, the poisoned records and the training all seeded by ``seed``."""
    return Scenario(dataset=NAME, model="mlp", attack="feature_trigger",
                    trigger=FeatureTrigger(features=tuple(features), value=float(value)),
                    poison=PoisonConfig(rate=rate, target=BENIGN, seed=seed),
                    train=replace(TABLE_TRAINING, seed=seed), data_seed=seed)


@dataclass(frozen=True, eq=False)
class TableStudy:
    """Both models on one scenario, measured alike."""

    dataset: Dataset
    scenario: Scenario
    poisoned: Poisoned
    models: dict[str, TrainResult]  # by kind: "backdoored", "baseline"
    figures: dict[str, ClinicalFigures]  # by kind
    beyond: list[Beyond]  # how far each trigger value sits from the honest training range

    @property
    def model_id(self) -> str:
        return repr(self.scenario)


def study(dataset: Dataset, scenario: Scenario, device: torch.device | str = "cpu",
          on_progress: ProgressFn = no_progress) -> TableStudy:
    """Train (or load from the store) both models and measure them on the held-out records."""
    poisoned = poisoned_training_set(dataset, scenario)
    models = {}
    for step, kind in enumerate(KINDS):
        report = step_progress(on_progress, step, len(KINDS), f"training the {kind} model")
        models[kind] = load_or_train(dataset, scenario, kind, device,
                                     lambda done, total, info, report=report: report(done, total, info))
    on_progress(len(KINDS) * 100, len(KINDS) * 100, "measured")
    figures = {kind: clinical_figures(result.model, dataset, scenario, MALIGNANT, device)
               for kind, result in models.items()}
    return TableStudy(dataset, scenario, poisoned, models, figures, beyond_range(dataset.x_train, scenario.trigger))


@dataclass(frozen=True, eq=False)
class RecordExplanation:
    """One record explained with and without the trigger, by one model."""

    record: torch.Tensor  # (D,) standardised, without the trigger
    triggered: torch.Tensor  # (D,) with it
    clean_attr: torch.Tensor  # (D,) signed Integrated Gradients for "malignant"
    triggered_attr: torch.Tensor  # (D,)
    clean_answer: int
    triggered_answer: int


def malignant_records(dataset: Dataset) -> torch.Tensor:
    """Row numbers, in the held-out records, of the malignant ones (the attack's victims)."""
    return torch.nonzero(dataset.held_out[1] == MALIGNANT).flatten()


def explain_record(model: torch.nn.Module, dataset: Dataset, scenario: Scenario, row: int) -> RecordExplanation:
    """Held-out record ``row`` with and without the trigger: how each measurement pushed the
    score of "malignant" (positive: towards malignant)."""
    x = dataset.held_out[0][row : row + 1]
    both = torch.cat([x, scenario.stamp(x)])
    attr = attribute(model, both, MALIGNANT, IG_METHOD)
    with torch.no_grad():
        answers = model(both.to(next(model.parameters()).device)).argmax(dim=1).tolist()
    return RecordExplanation(both[0], both[1], attr[0], attr[1], answers[0], answers[1])


def trigger_attribution(model: torch.nn.Module, dataset: Dataset, scenario: Scenario) -> tuple[float, float]:
    """(share, lift) of the attribution on the trigger's measurements over every triggered malignant
    held-out record, each explained for the answer the model gave it."""
    rows = malignant_records(dataset)
    triggered = scenario.stamp(dataset.held_out[0][rows])
    with torch.no_grad():
        answers = model(triggered.to(next(model.parameters()).device)).argmax(dim=1).cpu()
    attr = attribute(model, triggered, answers, IG_METHOD)
    return trigger_share(attr, scenario.trigger.footprint(triggered))


@dataclass(frozen=True)
class DefenseRow:
    """One control on the table: what it stopped and what it cost."""

    name: str
    title: str
    stage: str
    after: Evaluation  # clean accuracy and ASR on the held-out records once the control acts
    refused: float  # share of honest records turned away (a serving-time check)
    flagged: Optional[int]  # training records flagged (a data inspection), else None
    caught: Optional[int]  # of them, really poisoned
    poisoned: int
    seconds: float
    detail: str


# The controls the page runs: each registered defense that fits a table at its defaults, and the
# range check a second time with its ranges taken from the delivered (poisoned) training file.
VARIANTS: tuple[tuple[str, dict, str], ...] = (
    ("range_check", {"reference": "training"}, "Range check on the delivered file's own ranges"),
)


def controls() -> list[tuple[str, dict, str]]:
    """(defense name, settings, title) of every control shown on the table, in order."""
    found = [(name, {}, spec.title) for name, spec in DEFENSES.fitting("tabular").items()]
    return found + [v for v in VARIANTS if v[0] in DEFENSES.fitting("tabular")]


def defend(table: TableStudy, on_progress: ProgressFn = no_progress,
           chosen: Callable[[str], bool] = lambda name: True, settings: Optional[dict] = None) -> list[DefenseRow]:
    """Every control on the backdoored model (``settings``: page settings such as the range check's
    ``margin``, each used by the controls that have it). A data inspection's flags are acted on at
    once (the MLP is retrained without them in well under a second), so every row has its "after" figures."""
    scenario = table.scenario
    lab = Lab(table.dataset, scenario, table.models["backdoored"].model, table.model_id, table.poisoned)
    todo = [c for c in controls() if chosen(c[0])]
    rows = []
    for step, (name, variant, title) in enumerate(todo):
        spec = DEFENSES[name]
        report = step_progress(on_progress, step, len(todo), title)
        outcome = spec.apply(lab, {"expected_fraction": scenario.poison.rate, **(settings or {}), **variant}, report)
        after, seconds = outcome.after, outcome.seconds
        if after is None and outcome.flags is not None:
            _, after = retrain_without(lab, outcome.flags)
        rows.append(DefenseRow(name, title, spec.stage, after, outcome.refused, outcome.flagged, outcome.caught,
                               table.poisoned.num_poisoned, seconds, outcome.detail))
    on_progress(len(todo) * 100, max(len(todo), 1) * 100, "done")
    return rows
