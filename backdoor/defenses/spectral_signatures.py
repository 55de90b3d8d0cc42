"""Spectral Signatures (Tran, Li & Madry 2018): poison leaves a trace along one direction.

Paper: https://arxiv.org/abs/1811.00636. For each class, centre the last-hidden-layer
representations of its training images and find their top singular vector: when a class
hides a poisoned sub-population, that direction points from the clean images to the
poisoned ones. Each image's outlier score is its (squared) projection on it, and the
paper removes the 1.5 * (expected poison count) highest-scoring images of the class.

The paper's squared score assumes the poison is a minority of its class. With all-to-one
poisoning at 10% it is about half of the target class, and squaring puts both halves at
the same distance from the centre, so we keep the sign: the class's projections are split
in two (2-means on the line), the side whose images look least like their label is the
suspect side (``detection.LabelConsistency``), and scores are measured from the other
side. A class is inspected only when its split is clearly and unusually wide (the same
test Activation Clustering uses), and at most 1.5x the expected poison count is removed,
never more than the suspect side holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.cluster import KMeans
from torch import nn

from backdoor.defenses.base import Defense
from backdoor.defenses.common import ProgressFn, embeddings, no_progress
from backdoor.defenses.detection import (
    ClassVerdict, DetectionResult, LabelConsistency, fisher_separation, inspection, is_anomalous, poisoned_side,
)


@dataclass(frozen=True)
class SpectralSignaturesConfig:
    """Args:
        expected_poison_fraction: the defender's guess of the poisoned share of the training set.
        removal_factor: remove this many times the expected poison count (1.5 in the paper).
        min_separation, z_threshold: when a class counts as hiding a sub-population.
        seed: fixes the 1-D split and the neighbour search.
    """

    expected_poison_fraction: float = 0.1
    removal_factor: float = 1.5
    min_separation: float = 6.0  # one line holds less of the split than AC's 10 dimensions
    z_threshold: float = 3.0
    seed: int = 0


def spectral_signatures(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    config: SpectralSignaturesConfig = SpectralSignaturesConfig(),
    on_progress: ProgressFn = no_progress,
) -> DetectionResult:
    """Score every training image of (x, y) through ``model`` and flag the outliers."""
    start = time.perf_counter()
    classes = sorted(int(c) for c in torch.unique(y))
    on_progress(0, len(classes) + 1, "reading the last hidden layer")
    reps = embeddings(model, x).numpy().astype(np.float64)
    labels = y.numpy()
    found = {}
    for step, label in enumerate(classes, start=1):
        rows = np.flatnonzero(labels == label)
        centred = reps[rows] - reps[rows].mean(axis=0)
        # top right singular vector v of the centred matrix; projection_i = <r_i - mean, v>
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        projection = centred @ vt[0]
        groups = (KMeans(2, n_init=3, random_state=config.seed).fit_predict(projection[:, None])
                  if len(rows) >= 4 else np.zeros(len(rows), int))
        found[label] = (rows, projection, groups, fisher_separation(projection[:, None], groups))
        on_progress(step, len(classes) + 1, f"scored class {label}")
    separations = np.array([found[c][3] for c in classes])
    suspect = is_anomalous(separations, config.min_separation, config.z_threshold)
    consistency = LabelConsistency(x, y, seed=config.seed) if suspect.any() else None
    budget = int(round(config.removal_factor * config.expected_poison_fraction * len(y)))
    flags = torch.zeros(len(y), dtype=torch.bool)
    verdicts = []
    for label, poisoned in zip(classes, suspect):
        rows, projection, groups, separation = found[label]
        removed = np.array([], dtype=int)
        if poisoned:
            side = poisoned_side(consistency, rows, groups)
            clean_centre = projection[groups != side].mean() if (groups != side).any() else projection.mean()
            score = (projection - clean_centre) ** 2  # outlier score, measured from the clean side
            candidates = np.flatnonzero(groups == side)
            keep = min(budget, len(candidates))
            removed = rows[candidates[np.argsort(-score[candidates])[:keep]]]
            flags[torch.from_numpy(removed)] = True
        verdicts.append(ClassVerdict(label, len(rows), separation, float("nan"), bool(poisoned), len(removed)))
    on_progress(len(classes) + 1, len(classes) + 1, "done")
    return DetectionResult("spectral_signatures", flags, verdicts, time.perf_counter() - start)


run, estimate = inspection("spectral_signatures", spectral_signatures)

DEFENSE = Defense(
    "spectral_signatures", "Spectral Signatures", "before the model is trusted (inspects the training data)",
    "https://arxiv.org/abs/1811.00636",
    "The one direction along which each class's hidden representations vary most: poison pulls that "
    "direction towards itself, so the images far along it are removed.",
    "the poisoned images' representations are not separable from clean ones (adaptive attacks), or the "
    "defender's guess of the poisoned fraction is far off.",
    SpectralSignaturesConfig(), run, estimate,
    needs_training_data=True, after="after removing the flagged samples and retraining",
    modalities=("image", "tabular"),
    settings={"expected_fraction": "expected_poison_fraction"},
)
