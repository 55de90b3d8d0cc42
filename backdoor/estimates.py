"""How long a job will take here: its work counted from its configuration, each unit priced
by what it measurably costs on this machine (``backdoor.timing``). Never a constant.

A training run is its poisoning, then ``epochs x batches`` steps and, after every epoch,
the held-out test images through the model plus (for the backdoored model) their triggered
copies. A defense (its own ``estimate``, in its file), the sweep, the mystery models and the
matrix (``backdoor.matrix.estimate``) are sums of such parts, counted from their configs. When the very same job ran alone on this machine before, what
it took then is the estimate (``job_records.recorded``); otherwise the count is corrected by how
much longer the last jobs of its kind took here than their counts said
(``job_records.recorded_factor``: the app's own overheads around a job, learnt, never assumed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Iterable

from backdoor import job_records, timing
from backdoor.attacks import ALL_TO_ALL, MAX_RATE, poison_count
from backdoor.scenario import Scenario
from backdoor.busy import Load
from backdoor.kinds import KINDS
from backdoor.defenses.common import FINE_TUNE_BATCH
from backdoor.defenses.trigger_search import reverse_step_seconds
from backdoor.timing import Rig
from backdoor.wording import about  # (the pages and the warm-up quote it from here too)



@dataclass(frozen=True)
class DataShape:
    """What a job's cost depends on in a data set: its sizes and the shape of an image."""

    name: str
    train: int
    test: int
    image_shape: tuple[int, int, int]
    num_classes: int

    @classmethod
    def of(cls, dataset) -> "DataShape":
        return cls(dataset.name, len(dataset.y_train), len(dataset.y_test), tuple(dataset.image_shape),
                   dataset.num_classes)

    @property
    def defender(self) -> int:
        """The defender's clean images: the first half of the test split."""
        return self.test // 2

    @property
    def held_out(self) -> int:
        return self.test - self.defender

    def moved(self, images: float, target: int) -> float:
        """How many of ``images`` test images an attack tries to move (those not already in the target)."""
        return images if target == ALL_TO_ALL else images * (self.num_classes - 1) / self.num_classes

    def rig(self, model: str, device) -> Rig:
        return Rig(model, self.image_shape, self.num_classes, str(device))


@dataclass(frozen=True)
class Estimate:
    """Seconds a job should take on this machine when nothing else runs."""

    seconds: float
    signature: str  # the job's name in the finished-jobs records
    computed: float  # the figure from unit costs alone
    recorded: bool = False  # ``seconds`` is what the very same job took here before

    @classmethod
    def of(cls, kind: str, config, seconds: float) -> "Estimate":
        signature = repr((kind, config))
        records = job_records.read_records()  # one read of the file for both questions
        before = job_records.recorded(signature, records)
        if before is not None:
            return cls(before, signature, seconds, recorded=True)
        factor = job_records.recorded_factor(kind, records)
        return cls(seconds * (factor or 1.0), signature, seconds)


# --- the parts -------------------------------------------------------------------------


def evaluation_seconds(shape: DataShape, scenario: Scenario, device, images: float, asr: bool = True) -> float:
    """``images`` clean test images through the model and, with ``asr``, the triggered ones too."""
    rig = shape.rig(scenario.model, device)
    infer = timing.inference_seconds(rig)
    if not asr:
        return images * infer
    moved = shape.moved(images, scenario.target)
    return images * infer + moved * (infer + timing.stamp_seconds(scenario.trigger, shape.image_shape))


def training_seconds(shape: DataShape, scenario: Scenario, device, measure_asr: bool = True) -> float:
    """One ``backdoor.scenario.train_model`` run: poisoning, steps, and each epoch's probe."""
    config = scenario.train
    rig = shape.rig(scenario.model, device)
    step = timing.train_step_seconds(rig, config.batch_size, config.augment, config.mixup)
    stamped = poison_count(shape.train, scenario.poison.rate) * (1 + getattr(scenario.trigger, "cover_ratio", 0.0))
    poisoning = stamped * timing.stamp_seconds(scenario.trigger, shape.image_shape) if stamped else 0.0
    probe = evaluation_seconds(shape, scenario, device, shape.held_out, measure_asr)
    # seconds = poisoning + epochs x (batches x step + probe)
    return poisoning + config.epochs * (math.ceil(shape.train / config.batch_size) * step + probe)


def fine_tune_seconds(rig: Rig, images: int, epochs: int, augment: bool = False) -> float:
    return epochs * math.ceil(images / FINE_TUNE_BATCH) * timing.train_step_seconds(rig, FINE_TUNE_BATCH, augment)


def search_seconds(shape: DataShape, model: str, device, config, clean: int) -> float:
    """Neural Cleanse's search: ``steps`` steps over every class at once, then each class's flip rate."""
    rig = shape.rig(model, device)
    used = min(config.clean_samples, clean)
    flips = used * (shape.num_classes - 1) * timing.inference_seconds(rig)
    return config.steps * reverse_step_seconds(rig, shape.num_classes, config.batch_size) + flips


def retrain_seconds(shape: DataShape, scenario: Scenario, device) -> float:
    """The action after a data inspection: train afresh without the flagged images, then measure."""
    return training_seconds(shape, scenario, device) + evaluation_seconds(shape, scenario, device, shape.held_out)


# --- whole jobs --------------------------------------------------------------------------


def train_models(shape: DataShape, scenario: Scenario, device, kinds: Iterable[str] = KINDS) -> Estimate:
    """The Train page's job: the backdoored model (its ASR measured every epoch) and/or the baseline."""
    kinds = tuple(kinds)
    seconds = sum(training_seconds(shape, scenario.baseline() if kind == "baseline" else scenario, device,
                                   measure_asr=kind == "backdoored") for kind in kinds)
    return Estimate.of("train", (shape, scenario, kinds, str(device)), seconds)


def trainings(shape: DataShape, scenarios: Iterable[Scenario], device, measure_asr: bool) -> Estimate:
    """Several models trained one after another (training options, mystery models)."""
    scenarios = tuple(scenarios)
    seconds = sum(training_seconds(shape, s, device, measure_asr) for s in scenarios)
    return Estimate.of("trainings", (shape, scenarios, measure_asr, str(device)), seconds)


def sweep(shape: DataShape, scenario: Scenario, counts: Iterable[int], device, stored: Iterable[int] = ()) -> Estimate:
    """The poison-rate sweep: one model per count, each measured once on the held-out images; the
    ``stored`` counts' models are loaded from the model store, not trained."""
    counts, stored = tuple(counts), tuple(stored)
    seconds = 0.0
    for count in counts:
        variant = replace(scenario, poison=replace(scenario.poison, rate=min(count / shape.train, MAX_RATE)))
        trained = 0.0 if count in stored else training_seconds(shape, variant, device, measure_asr=True)
        seconds += trained + evaluation_seconds(shape, variant, device, shape.held_out)
    return Estimate.of("sweep", (shape, scenario, counts, stored, str(device)), seconds)


def scan(shape: DataShape, model: str, device, config) -> Estimate:
    """Neural Cleanse's search alone (the mystery models' scan), on half the test set."""
    seconds = search_seconds(shape, model, device, config, shape.defender)
    return Estimate.of("scan", (shape, model, config, str(device)), seconds)


# --- in words ------------------------------------------------------------------------------


def busy_note(load: Load) -> str:
    """What the page adds to an estimate when other work shares the CPU ("" when it does not)."""
    if load.jobs:
        count = len(load.jobs)
        return (f"The server is busy with {count} other job{'s' if count != 1 else ''} right now "
                f"({', '.join(sorted(set(load.jobs)))}), so expect longer.")
    if load.busy:
        return (f"The processor is busy with other programs right now ({load.cpu_cores:.1f} of {load.cores} cores), "
                "so expect longer.")
    return ""


def time_left(elapsed: float, fraction: float) -> str:
    """ "about 12 s left", extrapolated from the time so far; "" until there is enough to go on."""
    if fraction >= 1:
        return ""
    if fraction < 0.05 or elapsed < 2:
        return ""
    # left = elapsed x (1 - done) / done
    return f"{about(elapsed * (1 - fraction) / fraction)} left"


def training_took(models: list[tuple[str, float, str, bool]], device: str) -> str:
    """What training took, model by model: ``(name, seconds, device it trained on, from the store)``.
    A stored model's time is labelled as such: it was measured when the model was stored."""
    stored = [m for m in models if m[3]]
    listed = " and ".join(f"{took:.1f} s ({name})" for name, took, _, _ in models)
    if not stored:
        return f"Training took {listed} on {device}."
    where = {on for _, _, on, _ in stored}
    on = f" on {where.pop()}" if len(where) == 1 and "" not in where else ""
    if len(stored) == len(models):
        when = "they were" if len(models) > 1 else "it was"
        return f"Training took {listed}{on} when {when} stored; loaded from the model store now."
    parts = [f"{took:.1f} s ({name}, {f'{on.strip()} ' if on else ''}when it was stored; loaded from the model store now)"
             if from_store else f"{took:.1f} s ({name}, on {device} just now)"
             for name, took, _, from_store in models]
    return f"Training took {' and '.join(parts)}."
