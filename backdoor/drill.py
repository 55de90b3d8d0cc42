"""An incident drill: a model registry with immutable versions, simulated traffic watched by STRIP,
and a rollback (the seed article's monitoring, incident response, versioning and rollback).

v1, the clean model, is deployed. At ``update_at`` a "vendor update", v2, replaces it: v2 is the
backdoored model. At a moment the player is not told (``attack_starts``, drawn from the drill's
seed) some requests start to carry the trigger. STRIP watches every request answered by whatever
is deployed, in watch mode as monitors usually start: it flags a suspicious request for review but
the answer still goes out. It raises an alert once it has flagged ``alert_after`` requests among
the last ``window``. The player rolls back to v1 when they choose; the timeline then counts the
harmful decisions (a triggered request answered as the attacker wanted) until the alert and until
the rollback, and the honest requests flagged (false alarms someone had to review).

Everything is computed up front (each model's answer and STRIP entropy for every request), so
replaying a rollback at any moment is instant and exact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Optional

import torch
from torch import nn

from backdoor.attacks import attack_labels
from backdoor.datasets import Dataset
from backdoor.defenses.strip import StripConfig, strip_entropy
from backdoor.defenses.strip import _threshold as strip_threshold  # STRIP's own rule, not a copy of it
from backdoor.metrics import predict
from backdoor.model_files import to_safetensors
from backdoor.scenario import Scenario


def model_fingerprint(model: nn.Module) -> str:
    """Hex SHA-256 of the model's weights as a safetensors file: any changed weight changes it."""
    return hashlib.sha256(to_safetensors(model)).hexdigest()


@dataclass(frozen=True)
class Version:
    """One registered model version: never changed once registered."""

    number: int
    source: str
    fingerprint: str


@dataclass(frozen=True)
class ModelRegistry:
    """Versions in order, and which one is deployed. Every change returns a new registry."""

    versions: tuple[Version, ...] = ()
    deployed: Optional[int] = None

    def register(self, model: nn.Module, source: str) -> "ModelRegistry":
        version = Version(len(self.versions) + 1, source, model_fingerprint(model))
        return replace(self, versions=self.versions + (version,))

    def deploy(self, number: int) -> "ModelRegistry":
        if not any(v.number == number for v in self.versions):
            raise ValueError(f"There is no version v{number} to deploy.")
        return replace(self, deployed=number)

    def verify(self, number: int, model: nn.Module) -> bool:
        """Whether ``model`` is exactly the registered version ``number`` (its fingerprint matches)."""
        return self.versions[number - 1].fingerprint == model_fingerprint(model)


@dataclass(frozen=True)
class DrillConfig:
    """Args:
        requests: how many requests the drill serves.
        update_at: the request at which the vendor update v2 is deployed.
        triggered_share: once the attack starts, the share of requests that carry the trigger.
        alert_after, window: the monitor alerts once it has flagged this many of the last ``window`` requests.
        frr: the share of honest inputs STRIP flags, which sets its threshold. With 1% and 4 flags in 20
            the default digits drill raised no false alert on seeds 0-5 (3 flags gave one on seed 0).
        seed: when the attack starts, which requests carry the trigger, which images are sent.
    """

    requests: int = 200
    update_at: int = 40
    triggered_share: float = 0.25
    alert_after: int = 4
    window: int = 20
    frr: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.update_at < self.requests:
            raise ValueError("The update must arrive during the drill.")
        if not 0.0 < self.triggered_share <= 1.0:
            raise ValueError("The share of triggered requests must be above 0 and at most 1.")
        if not 1 <= self.alert_after <= self.window:
            raise ValueError("The alert needs between 1 and `window` flagged requests.")


@dataclass(frozen=True, eq=False)
class Traffic:
    """The requests, in order: which carry the trigger, and what each model would do with each."""

    triggered: torch.Tensor  # bool (N,)
    attack_starts: int
    goal: torch.Tensor  # (N,) the class the attacker wants for each request
    answers: dict[int, torch.Tensor]  # version -> (N,) its answer to each request
    flagged: dict[int, torch.Tensor]  # version -> bool (N,) STRIP flags the request, watching that version


def simulate(dataset: Dataset, scenario: Scenario, models: dict[int, nn.Module],
             config: DrillConfig = DrillConfig()) -> Traffic:
    """Draw the requests (held-out images, some triggered from a hidden moment on) and screen
    every one in front of every version."""
    gen = torch.Generator().manual_seed(config.seed)
    x, y = dataset.held_out
    rows = torch.randint(len(y), (config.requests,), generator=gen)
    images, labels = x[rows], y[rows]
    low, high = config.update_at + 10, max(config.update_at + 11, config.requests // 2)
    starts = int(torch.randint(low, high, (1,), generator=gen))
    movable = scenario.attackable(labels)
    chance = torch.rand(config.requests, generator=gen) < config.triggered_share
    triggered = chance & movable & (torch.arange(config.requests) >= starts)
    objects = dataset.held_out_objects
    stamped = scenario.stamp(images, None if objects is None else objects[rows])
    sent = torch.where(triggered.view(-1, *([1] * (images.dim() - 1))), stamped, images)
    goal = attack_labels(labels, scenario.target, dataset.num_classes)
    pool = dataset.defender_set[0]  # the defender's own clean images, as on the Defend page
    strip_config = StripConfig(frr=config.frr, seed=config.seed)
    answers, flagged = {}, {}
    for number, model in models.items():
        device = next(model.parameters()).device
        threshold = strip_threshold(strip_entropy(model, dataset.defender_set[0], pool, strip_config), config.frr)
        answers[number] = predict(model, sent, device)
        flagged[number] = strip_entropy(model, sent, pool, strip_config) < threshold
    return Traffic(triggered, starts, goal, answers, flagged)


@dataclass(frozen=True)
class Timeline:
    """What happened, request by request counted up: the incident in numbers."""

    requests: int
    update_at: int
    attack_starts: int
    first_triggered: Optional[int]  # the first request that carried the trigger (None: none was sent)
    triggered: int  # triggered requests sent, in all
    alert_at: Optional[int]  # the request at which the monitor alerted (None: it never did)
    rollback_at: Optional[int]  # the request from which v1 served again (None: never rolled back)
    harmful_until_alert: int  # triggered requests answered as the attacker wanted, up to the alert
    harmful_until_rollback: int  # ... up to the rollback (the whole drill without one)
    harmful: int  # over the whole drill
    honest_flagged: int  # honest requests the monitor flagged (false alarms someone had to review)
    flagged: int  # every request the monitor flagged

    @property
    def false_alert(self) -> bool:
        """The alert came before any triggered request was sent."""
        return self.alert_at is not None and (self.first_triggered is None or self.alert_at < self.first_triggered)

    @property
    def alerted(self) -> bool:
        return self.alert_at is not None


def deployed_at(request: int, config: DrillConfig, rollback_at: Optional[int]) -> int:
    """The version serving ``request``: v1, then v2 from the update until the rollback."""
    if request < config.update_at or (rollback_at is not None and request >= rollback_at):
        return 1
    return 2


def replay(traffic: Traffic, config: DrillConfig, rollback_at: Optional[int] = None,
           until: Optional[int] = None) -> Timeline:
    """Serve requests 0..``until`` (default: all) with a rollback to v1 at ``rollback_at``, and count."""
    end = config.requests if until is None else min(until, config.requests)
    served_by = [deployed_at(i, config, rollback_at) for i in range(end)]
    flagged = torch.tensor([bool(traffic.flagged[v][i]) for i, v in enumerate(served_by)], dtype=torch.bool)
    answer = torch.tensor([int(traffic.answers[v][i]) for i, v in enumerate(served_by)], dtype=torch.long)
    triggered = traffic.triggered[:end]
    harmful = triggered & (answer == traffic.goal[:end])  # watch mode: a flagged request is still answered
    alert_at = None
    for i in range(end):
        if int(flagged[max(0, i - config.window + 1) : i + 1].sum()) >= config.alert_after:
            alert_at = i
            break

    def harm_before(stop: Optional[int]) -> int:
        return int(harmful[: end if stop is None else min(stop, end)].sum())

    sent = torch.nonzero(triggered).flatten()
    first = int(sent[0]) if len(sent) else None
    return Timeline(end, config.update_at, traffic.attack_starts, first, int(triggered.sum()), alert_at, rollback_at,
                    harm_before(None if alert_at is None else alert_at + 1), harm_before(rollback_at),
                    int(harmful.sum()), int((flagged & ~triggered).sum()), int(flagged.sum()))
