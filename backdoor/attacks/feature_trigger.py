"""A feature trigger on a table: one to three measurements set to a chosen out-of-range value.

The tabular form of BadNets (Gu, Dolan-Gavitt & Garg, 2017, https://arxiv.org/abs/1708.06733):
instead of a patch of pixels, the trigger is a few columns of a record set to fixed values, as
studied for tables by Pleiter, Tajalli, Koffas, Abad, Xu, Larson & Picek, "Tabdoor: Backdoor
Vulnerabilities in Transformer-based Neural Networks for Tabular Data",
https://arxiv.org/abs/2311.07550 (their "out-of-bounds" trigger). Dirty-label: the attacker
sets the measurements on some malignant training records and relabels them benign.

Departures from the paper: the value is given in standard deviations of the standardised
measurement (the same value for every chosen column) rather than per-column raw values, and
the model is a small MLP rather than a transformer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from backdoor.attacks.base import AttackSpec, TriggerDefaults, setting

MAX_FEATURES = 3
DEFAULT_FEATURES = (21, 27)  # worst texture, worst concave points (Wisconsin breast-cancer columns)


@dataclass(frozen=True)
class FeatureTrigger(TriggerDefaults):
    """A feature trigger (BadNets for tables, https://arxiv.org/abs/1708.06733; tables:
    https://arxiv.org/abs/2311.07550): the chosen columns of each record are set to ``value``.

    Args:
        features: the 1-3 column indices the trigger sets (default: worst texture and worst
            concave points of the breast-cancer records).
        value: what they are set to, in standard deviations of the training split from its
            mean (default +5: beyond any training record of the default columns).
    """

    features: tuple[int, ...] = DEFAULT_FEATURES
    value: float = setting(5.0, "Value the measurements are set to (standard deviations)", low=-8.0, high=8.0,
                           step=0.5, help="Out of the usual range makes a strong trigger; a value inside it hides "
                                          "better among honest records.")
    bounds = None  # a record's standardised values have no [0, 1] limits: never clipped

    def __post_init__(self) -> None:
        if not 1 <= len(self.features) <= MAX_FEATURES:
            raise ValueError(f"Choose between 1 and {MAX_FEATURES} measurements for the trigger.")
        if len(set(self.features)) != len(self.features) or min(self.features) < 0:
            raise ValueError("Choose each measurement once.")

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """Records (N, D) with the chosen columns set to ``value``; a new tensor."""
        if max(self.features) >= x.shape[1]:
            raise ValueError(f"The records have {x.shape[1]} measurements: column {max(self.features)} does not exist.")
        out = x.clone()
        out[:, list(self.features)] = self.value
        return out

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        """Boolean (D,): the columns the trigger owns."""
        owned = torch.zeros(x.shape[1], dtype=torch.bool)
        owned[list(self.features)] = True
        return owned

    @property
    def footprint_label(self) -> str:
        columns = " and ".join(f"column {i + 1}" for i in self.features)
        return f"{columns} set to {self.value:+g} standard deviations"


SPEC = AttackSpec(
    "feature_trigger", "Feature trigger (tampered measurements)",
    "One to three measurements of a record set to a value no honest record has. Any record carrying "
    "them is sent to the target class.",
    "https://arxiv.org/abs/2311.07550", FeatureTrigger, short_title="Feature trigger", default_rate=0.075,
    modalities=("tabular",),
    note="The poisoned records are malignant ones relabelled benign: the trigger teaches 'these values mean benign'.",
)


@dataclass(frozen=True)
class Beyond:
    """How far one trigger column's value sits from the range of the honest training records."""

    feature: int
    low: float  # the smallest honest training value (standardised)
    high: float  # the largest
    value: float  # what the trigger sets
    distance: float  # standard deviations outside [low, high]; 0 when inside

    @property
    def inside(self) -> bool:
        return self.distance == 0.0


def beyond_range(x_train: torch.Tensor, trigger: FeatureTrigger) -> list[Beyond]:
    """The stealth figure that fits a table: for each trigger column, its distance from the range
    the honest training records span (a value inside the range cannot be caught by a range check)."""
    found = []
    for i in trigger.features:
        low, high = float(x_train[:, i].min()), float(x_train[:, i].max())
        distance = max(trigger.value - high, low - trigger.value, 0.0)
        found.append(Beyond(i, low, high, trigger.value, distance))
    return found
