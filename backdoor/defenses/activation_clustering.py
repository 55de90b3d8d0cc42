"""Activation Clustering (Chen et al. 2018): poisoned images light up a model differently.

Paper: https://arxiv.org/abs/1811.03728. Train on the suspect data, then, class by class,
take the last hidden layer's activations of every training image with that label, reduce
them to about 10 dimensions (PCA here; the paper uses ICA or PCA) and split them in two
with 2-means. A clean class splits into two similar halves; a poisoned class splits into
"real members" and "images that only carry the trigger", which sit far apart.

Deciding which classes are poisoned: the paper proposes relative cluster size, the
silhouette score, or exclusionary reclassification. With all-to-one poisoning at 10% the
poison is about half of the target class, so relative size cannot tell, and in our
measurements the silhouette of the target class (0.36) was matched by a clean class
(0.35). We therefore flag a class when its two clusters are far apart relative to their
spread (``detection.fisher_separation``) and unusually so among the classes; both figures
and the silhouette are reported per class. In a flagged class the cluster whose images
look least like their label (``detection.LabelConsistency``, a cheap stand-in for
exclusionary reclassification) is flagged; nothing is flagged elsewhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from torch import nn

from backdoor.defenses.base import Defense
from backdoor.defenses.common import ProgressFn, embeddings, no_progress
from backdoor.defenses.detection import (
    ClassVerdict, DetectionResult, LabelConsistency, fisher_separation, inspection, is_anomalous, poisoned_side,
)


@dataclass(frozen=True)
class ActivationClusteringConfig:
    """Args:
        components: dimensions kept before clustering (default 10, as in the paper).
        min_separation: a class is suspect only if its clusters are at least this far apart.
        z_threshold: ... and this many robust standard deviations above the other classes.
        seed: fixes PCA, k-means and the neighbour search.
    """

    components: int = 10
    min_separation: float = 9.0
    z_threshold: float = 3.0
    seed: int = 0


def activation_clustering(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    config: ActivationClusteringConfig = ActivationClusteringConfig(),
    on_progress: ProgressFn = no_progress,
) -> DetectionResult:
    """Inspect a training set (x, y) through ``model``; returns the flagged samples."""
    start = time.perf_counter()
    classes = sorted(int(c) for c in torch.unique(y))
    on_progress(0, len(classes) + 1, "reading the last hidden layer")
    activations = embeddings(model, x).numpy()
    labels = y.numpy()
    splits = {}
    for step, label in enumerate(classes, start=1):
        rows = np.flatnonzero(labels == label)
        reduced = _reduce(activations[rows], config)
        groups = KMeans(2, n_init=3, random_state=config.seed).fit_predict(reduced) if len(rows) >= 4 else np.zeros(len(rows), int)
        silhouette = float(silhouette_score(reduced, groups)) if 1 < len(set(groups)) < len(rows) else float("nan")
        splits[label] = (rows, groups, fisher_separation(activations[rows], groups), silhouette)
        on_progress(step, len(classes) + 1, f"clustered class {label}")
    separations = np.array([splits[c][2] for c in classes])
    suspect = is_anomalous(separations, config.min_separation, config.z_threshold)
    consistency = LabelConsistency(x, y, seed=config.seed) if suspect.any() else None
    flags = torch.zeros(len(y), dtype=torch.bool)
    verdicts = []
    for label, poisoned in zip(classes, suspect):
        rows, groups, separation, silhouette = splits[label]
        side = poisoned_side(consistency, rows, groups) if poisoned else int(np.argmin(np.bincount(groups, minlength=2)))
        chosen = rows[groups == side]
        if poisoned:
            flags[torch.from_numpy(chosen)] = True
        verdicts.append(ClassVerdict(label, len(rows), separation, silhouette, bool(poisoned), len(chosen) if poisoned else 0))
    on_progress(len(classes) + 1, len(classes) + 1, "done")
    return DetectionResult("activation_clustering", flags, verdicts, time.perf_counter() - start)


def _reduce(values: np.ndarray, config: ActivationClusteringConfig) -> np.ndarray:
    components = min(config.components, values.shape[0], values.shape[1])
    if components < 1:
        return values
    return PCA(components, random_state=config.seed).fit_transform(values)


run, estimate = inspection("activation_clustering", activation_clustering)

DEFENSE = Defense(
    "activation_clustering", "Activation Clustering", "before the model is trusted (inspects the training data)",
    "https://arxiv.org/abs/1811.03728",
    "How the model's last hidden layer reacts to each training image, class by class: poisoned images "
    "form their own tight group inside the target class.",
    "the poison blends in with its class (clean-label attacks), or the attacker spreads it thinly over "
    "many classes so no class shows a separate group.",
    ActivationClusteringConfig(), run, estimate,
    needs_training_data=True, after="after removing the flagged samples and retraining",
    modalities=("image", "tabular"),
)
