"""Shared parts of the data-inspection defenses (Activation Clustering, Spectral Signatures).

Both look at the last hidden layer of a model trained on the suspect data, class by class,
and both must answer two questions: does this class hide a separate sub-population, and
which side of the split is the poison?

All-to-one poisoning at 10% makes the second question hard: the poisoned images are about
half of the target class, so "the smaller cluster" is a coin toss. We answer it with the
question Chen et al. ask in their exclusionary reclassification: do these images really
look like their label? Cheaply, in input space: the share of each image's nearest
neighbours (PCA-reduced pixels) that carry a different label. A stop sign with a sticker
relabelled "speed limit" sits among stop signs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

import time
from typing import Callable

from backdoor import timing
from backdoor.defenses.common import CONSISTENCY_CONSTANT, DetectionScore, detection_score
from backdoor.outcomes import Outcome


@dataclass(frozen=True)
class ClassVerdict:
    """What a data-inspection defense concluded about one class of the training set."""

    label: int
    size: int
    separation: float  # Fisher ratio of the two-group split (larger = more clearly two groups)
    silhouette: float  # Activation Clustering's silhouette score (NaN for Spectral Signatures)
    poisoned: bool
    flagged: int


@dataclass(frozen=True, eq=False)
class DetectionResult:
    method: str
    flags: torch.Tensor  # bool (N,): training samples the defense would remove
    classes: list[ClassVerdict]
    seconds: float

    @property
    def suspect_classes(self) -> list[int]:
        return [v.label for v in self.classes if v.poisoned]

    def score(self, poisoned_mask: torch.Tensor) -> DetectionScore:
        """Precision, recall and F1 against the true poison mask (known only in the lab)."""
        return detection_score(self.flags, poisoned_mask)


def fisher_separation(values: np.ndarray, groups: np.ndarray) -> float:
    """How far apart two groups are along the line through their centres.

    separation = (mean_1 - mean_0)^2 / (var_0 + var_1) of the projections on that line.
    A k-means split of one ordinary blob scores about 4-7; a hidden sub-population far more.
    """
    if groups.min() == groups.max():
        return 0.0
    centre0, centre1 = values[groups == 0].mean(0), values[groups == 1].mean(0)
    axis = centre1 - centre0
    norm = np.linalg.norm(axis)
    if norm == 0:
        return 0.0
    proj = values @ (axis / norm)
    p0, p1 = proj[groups == 0], proj[groups == 1]
    return float((p1.mean() - p0.mean()) ** 2 / (p0.var() + p1.var() + 1e-12))


def robust_z(values: np.ndarray) -> np.ndarray:
    """Distance from the median in units of the median absolute deviation (x CONSISTENCY_CONSTANT)."""
    median = np.median(values)
    mad = CONSISTENCY_CONSTANT * np.median(np.abs(values - median))
    return (values - median) / (mad + 1e-12)


MIN_CLASSES_TO_COMPARE = 3  # "unusual among the classes" needs at least this many classes


def is_anomalous(separations: np.ndarray, minimum: float, z_threshold: float = 3.0) -> np.ndarray:
    """Classes whose split is clear in itself, unusual among the classes, and comparable
    to the clearest one (at least half of it): a class of naturally varied images (a '1'
    written upright or slanted) can stand out a little, a hidden sub-population stands out
    far more.

    With fewer than three classes (a diagnosis: malignant or benign) there is no crowd of classes
    to stand out from (the robust z of two values is always +-0.67), so the clear split alone decides."""
    unusual = (robust_z(np.log(separations + 1e-12)) > z_threshold if len(separations) >= MIN_CLASSES_TO_COMPARE
               else np.ones(len(separations), dtype=bool))
    candidates = (separations > minimum) & unusual
    if not candidates.any():
        return candidates
    return candidates & (separations >= 0.5 * separations[candidates].max())


class LabelConsistency:
    """For each training image, the share of its nearest neighbours in pixel space
    (after PCA) whose label differs from its own."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, neighbours: int = 10, components: int = 30, seed: int = 0):
        flat = x.flatten(1).numpy()
        components = min(components, flat.shape[0], flat.shape[1])
        self.points = PCA(components, random_state=seed).fit_transform(flat)
        self.labels = y.numpy()
        self.neighbours = min(neighbours, len(flat) - 1)
        self.index = NearestNeighbors(n_neighbors=self.neighbours + 1).fit(self.points)

    def disagreement(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0 or self.neighbours < 1:
            return np.zeros(len(rows))
        _, idx = self.index.kneighbors(self.points[rows])
        return (self.labels[idx[:, 1:]] != self.labels[rows][:, None]).mean(axis=1)


def poisoned_side(consistency: LabelConsistency, rows: np.ndarray, groups: np.ndarray) -> int:
    """Which group (0 or 1) of a split class looks least like its label."""
    disagreement = consistency.disagreement(rows)
    means = [disagreement[groups == g].mean() if (groups == g).any() else -1.0 for g in (0, 1)]
    return int(np.argmax(means))


__all__ = [
    "ClassVerdict", "DetectionResult", "DetectionScore", "LabelConsistency", "fisher_separation",
    "is_anomalous", "poisoned_side", "robust_z",
]


def inspection_seconds(rig: timing.Rig, name: str, inspect: Callable, config, images: int) -> float:
    """A data inspection ``inspect(model, x, y, config)`` reading and clustering ``images`` training
    images, with the neighbour search in pixel space it adds when a class looks poisoned
    (``LabelConsistency``). Its clustering has a large cost per class besides the cost per image,
    so it is timed once at the real size, on images that cluster by class."""

    def measure() -> float:
        model, (x, y) = rig.build().eval(), rig.images(images, clustered=True)
        inspect(model, x[:100], y[:100], config)  # first calls set up the numerical libraries' threads
        start = time.perf_counter()
        inspect(model, x, y, config)
        LabelConsistency(x, y)
        return time.perf_counter() - start

    return timing.MEASURED.get(("inspection", rig, name, config, images), measure)


def inspection(name: str, method: Callable):
    """``run`` and ``estimate`` of a data inspection ``method(model, x, y, config, on_progress)``: it
    reads the lab's poisoned training set, and its "after" comes from the retraining that acts on
    the flags."""

    def run(lab, config, on_progress) -> Outcome:
        result = method(lab.model, lab.poisoned.x, lab.poisoned.y, config, on_progress)
        return Outcome(result=result, flags=result.flags)

    def estimate(shape, scenario, device, config) -> float:
        return inspection_seconds(shape.rig(scenario.model, device), name, method, config, shape.train)

    return run, estimate
