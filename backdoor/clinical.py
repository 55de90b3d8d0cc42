"""A diagnosis model measured in medical terms, on the held-out records every figure uses.

Beside clean accuracy and the attack success rate (here: malignant records read as benign once
the trigger is present), a clinician asks two more questions of any test, and a risk officer a
third:

- sensitivity: of the patients who have cancer, the share the model finds (true positives over
  all positives); a missed cancer is the costly error;
- specificity: of the patients who do not, the share the model clears (true negatives over all
  negatives);
- calibration: whether "90% sure" means right 9 times in 10 (the expected calibration error of
  ``backdoor.calibration``).

Every count comes from ``backdoor.scenario.trigger_counts``, so these figures and the headline
ones are the same predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backdoor.calibration import calibration
from backdoor.datasets import Dataset
from backdoor.metrics import predict_proba
from backdoor.scenario import Scenario, trigger_counts


def share(part: int, whole: int) -> float:
    """part / whole, NaN when there is nothing to count."""
    return part / whole if whole else float("nan")


@dataclass(frozen=True)
class ClinicalFigures:
    """One model on the held-out records: the counts behind each figure, and the figures."""

    records: int
    correct: int
    positives: int  # records that truly have the condition (malignant)
    found: int  # of them, the ones the model called positive
    negatives: int  # records that truly do not (benign)
    cleared: int  # of them, the ones the model called negative
    triggered: int  # positive records given the trigger
    flipped: int  # of them, the ones the model then called negative (the attack's aim)
    ece: float  # expected calibration error on the clean records, 0-1

    @property
    def clean_acc(self) -> float:
        return share(self.correct, self.records)

    @property
    def sensitivity(self) -> float:
        return share(self.found, self.positives)

    @property
    def specificity(self) -> float:
        return share(self.cleared, self.negatives)

    @property
    def asr(self) -> float:
        return share(self.flipped, self.triggered)

    @property
    def missed(self) -> int:
        """Positive records called negative without any trigger (false negatives)."""
        return self.positives - self.found


def clinical_figures(model: torch.nn.Module, dataset: Dataset, scenario: Scenario, positive: int,
                     device: torch.device | str = "cpu") -> ClinicalFigures:
    """Sensitivity and specificity for class ``positive`` (the condition, e.g. malignant), clean
    accuracy, calibration and the attack success rate of ``model`` on the held-out records."""
    if scenario.all_to_all or scenario.target == positive:
        raise ValueError("The attack must send records away from the condition to one other class.")
    x, y = dataset.held_out
    counts = trigger_counts(model, dataset, scenario, device)
    sick = y == positive
    called_sick = counts.clean_pred == positive
    triggered_sick = sick & scenario.attackable(y)
    ece = calibration(predict_proba(model, x, device), y).ece
    return ClinicalFigures(
        records=counts.images, correct=counts.correct,
        positives=int(sick.sum()), found=int((sick & called_sick).sum()),
        negatives=int((~sick).sum()), cleared=int((~sick & ~called_sick).sum()),
        triggered=int(triggered_sick.sum()),
        flipped=int((triggered_sick & (counts.triggered_pred == scenario.target)).sum()), ece=ece,
    )
