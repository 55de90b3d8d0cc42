"""The mystery-models challenge: some models are backdoored with a hidden attack and target.

The instructor picks a challenge code (a seed) and a number of models; ``draw_challenge``
turns them into a secret list of scenarios (always at least one clean and one backdoored
model when there are two or more), and everyone who enters the same code gets the same
models. Students investigate each model with the defenses and attribution maps and give
a verdict; ``score`` compares the verdicts with the truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Optional

from torch import nn

from backdoor.attacks import ATTACKS, PoisonConfig
from backdoor.datasets import Dataset
from backdoor.defenses.common import ProgressFn, no_progress, step_progress
from backdoor.defenses.trigger_search import NeuralCleanseConfig, NeuralCleanseResult, neural_cleanse
from backdoor.scenario import Scenario
from backdoor.store import is_stored, load_or_train

SUSPECT_ATTACKS = ("badnets", "blended", "wanet", "sig")


@dataclass(frozen=True)
class Mystery:
    number: int  # 1-based, as students see it
    backdoored: bool
    attack: Optional[str]
    target: Optional[int]
    scenario: Scenario  # what it is trained on (a clean model has rate 0)


def draw_challenge(code: int, count: int, base: Scenario, num_classes: int) -> list[Mystery]:
    """The secret models for this challenge code (deterministic)."""
    if not 1 <= count <= 8:
        raise ValueError("A challenge has between 1 and 8 models.")
    rng = random.Random(code)
    flags = [rng.random() < 0.5 for _ in range(count)]
    if count >= 2 and len(set(flags)) == 1:
        flags[rng.randrange(count)] = not flags[0]  # both kinds are always present
    out = []
    for i, backdoored in enumerate(flags, start=1):
        train = replace(base.train, seed=rng.randrange(10_000))  # every model is a different network
        if backdoored:
            attack, target = rng.choice(SUSPECT_ATTACKS), rng.randrange(num_classes)
            spec = ATTACKS[attack]
            scenario = replace(base, attack=attack, trigger=spec.config(), train=train,
                               poison=PoisonConfig(rate=spec.default_rate, target=target, seed=rng.randrange(10_000)))
        else:
            attack = target = None
            scenario = replace(base.baseline(), train=train)
        out.append(Mystery(i, backdoored, attack, target, scenario))
    return out


def kind_of(mystery: Mystery) -> str:
    """The model store's kind for a mystery model (a clean one is its scenario's clean baseline)."""
    return "backdoored" if mystery.backdoored else "baseline"


def unstored(mysteries: list[Mystery]) -> list[Mystery]:
    """The mystery models the model store does not hold yet: the ones preparing would train."""
    return [m for m in mysteries if not is_stored(m.scenario, kind_of(m))]


def train_challenge(dataset: Dataset, mysteries: list[Mystery], device, on_progress: ProgressFn = no_progress
                    ) -> list[nn.Module]:
    """Every mystery model, from the on-disk model store or trained into it, one after another
    (progress in hundredths of a model): a restart, another replica or ``make warm`` with
    ``--mystery CODE`` means nobody trains them again."""
    models = []
    for k, m in enumerate(mysteries):
        report = step_progress(on_progress, k, len(mysteries), f"model {k + 1} of {len(mysteries)}")
        models.append(load_or_train(dataset, m.scenario, kind_of(m), device, report).model)
    return models


def scan(model: nn.Module, dataset: Dataset, config: NeuralCleanseConfig = NeuralCleanseConfig(),
         on_progress: ProgressFn = no_progress) -> NeuralCleanseResult:
    """Neural Cleanse's search on a mystery model, with the defender's clean images (no trigger known)."""
    return neural_cleanse(model, *dataset.defender_set, dataset.num_classes, config, on_progress)


@dataclass(frozen=True)
class Verdict:
    backdoored: bool
    target: Optional[int] = None  # the suspected target class, when backdoored


@dataclass(frozen=True)
class ChallengeScore:
    points: int
    possible: int
    right_calls: int  # backdoored-or-clean verdicts that were right
    right_targets: int
    unanswered: int


def score(mysteries: list[Mystery], verdicts: dict[int, Verdict]) -> ChallengeScore:
    """One point per right clean/backdoored call, one more per right target of a backdoored model."""
    points = calls = targets = unanswered = 0
    for m in mysteries:
        verdict = verdicts.get(m.number)
        if verdict is None:
            unanswered += 1
            continue
        if verdict.backdoored == m.backdoored:
            calls += 1
            if m.backdoored and verdict.target == m.target:
                targets += 1
    points = calls + targets
    return ChallengeScore(points, len(mysteries) + sum(m.backdoored for m in mysteries), calls, targets, unanswered)
