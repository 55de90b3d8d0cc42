"""The one contract every defense meets: a ``Defense`` with its spec, defaults, run and cost.

A defense file defines its algorithm, its frozen config, and one ``DEFENSE``:

- ``run(lab, config, on_progress) -> Outcome``: what it found (``result``, ``flags`` for a data
  inspection), the model after its repair (``model``, ``after``) and a sentence (``detail``);
- ``estimate(shape, scenario, device, config) -> seconds`` from this machine's unit costs.

Everything else is derived from the spec: the Defend and Audit menus (``needs_training_data``),
the matrix columns and the ranking (``after``: None for a study that repairs nothing), the
settings a page may pass (``settings``), the report rows and the benchmark figures.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from backdoor.estimates import Estimate
from backdoor.defenses.common import ProgressFn, detection_score, no_progress
from backdoor.defenses.lab import Lab
from backdoor.outcomes import Outcome


@dataclass(frozen=True)
class Defense:
    name: str
    title: str
    stage: str  # when in a model's life it runs
    paper: str
    looks_at: str
    fails_when: str
    config: Any  # its settings when nobody changes them (the matrix's cache key includes them)
    run: Callable[[Lab, Any, ProgressFn], Outcome]
    estimate: Callable[..., float]  # (DataShape, Scenario, device, config) -> seconds
    needs_training_data: bool = False  # inspects the (poisoned) training set, so it cannot audit a model file
    # What its "after" figures measure, in words; None when it repairs nothing (it only
    # studies the model), so it is never listed or ranked among the repairs, nor a matrix column.
    after: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict)  # a page's setting -> the config field it sets
    modalities: tuple[str, ...] = ("image",)  # the kinds of data it can run on (pictures, tables)
    # A serving-time monitor: how many model runs one request costs under it (from its config); None otherwise.
    runs_per_request: Callable[[Any], int] | None = None
    monitor: bool = False  # it screens requests in service (refuses some) rather than changing model or data

    @property
    def repairs(self) -> bool:
        return self.after is not None

    def configured(self, settings: Mapping[str, Any] | None = None):
        """The default config with whatever ``settings`` (``{"budget": 0.02, ...}``) change for it."""
        settings = settings or {}
        return replace(self.config, **{f: settings[key] for key, f in self.settings.items() if key in settings})

    def apply(self, lab: Lab, settings: Mapping[str, Any] | None = None,
              on_progress: ProgressFn = no_progress) -> Outcome:
        """Run it on the lab's model, timed; the outcome carries its title, note and seconds, and
        for a data inspection what it caught of the lab's known poison."""
        start = time.perf_counter()
        out = self.run(lab, self.configured(settings), on_progress)
        seconds = time.perf_counter() - start
        found = {}
        if out.flags is not None:
            score = detection_score(out.flags, lab.poisoned.poisoned_mask)
            found = dict(flagged=score.flagged, caught=score.true_positives, poisoned=lab.poisoned.num_poisoned)
        return replace(out, title=self.title, seconds=seconds, note=self.after, run_id=uuid.uuid4().hex,
                       monitor=self.monitor, **found)

    def seconds(self, shape, scenario, device, settings: Mapping[str, Any] | None = None) -> float:
        """What ``apply`` should take on this machine (without the retraining after an inspection)."""
        return self.estimate(shape, scenario, device, self.configured(settings))

    def estimate_job(self, shape, scenario, device, settings: Mapping[str, Any] | None = None) -> Estimate:
        """``seconds`` as a job the page can show and record (corrected by what such jobs took here)."""
        return Estimate.of(f"defense:{self.name}", (shape, scenario, sorted((settings or {}).items()), str(device)),
                           self.seconds(shape, scenario, device, settings))
