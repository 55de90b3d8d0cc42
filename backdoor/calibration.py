"""Evaluation beyond accuracy: how far a model's confidence can be trusted.

Expected calibration error (Guo, Pleiss, Sun & Weinberger, 2017,
https://arxiv.org/abs/1706.04599): group predictions into bins by confidence (the top
probability), compare each bin's average confidence with its accuracy, and average the
gaps weighted by how many predictions fall in each bin. A model that says "90% sure"
should be right 90% of the time; ECE is how far off it is on average.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Calibration:
    ece: float  # expected calibration error, 0-1 (0 = perfectly calibrated)
    confidence: list[float]  # mean confidence per bin (NaN where a bin is empty)
    accuracy: list[float]  # accuracy per bin (NaN where empty)
    counts: list[int]
    mean_confidence: float
    accuracy_overall: float


def calibration(probs: torch.Tensor, labels: torch.Tensor, bins: int = 10) -> Calibration:
    """ECE and the reliability diagram's bars for predicted probabilities (N, K) against true labels."""
    if bins < 1:
        raise ValueError("Use at least one bin.")
    confidence, predicted = probs.max(dim=1)
    correct = (predicted == labels).float()
    # bin b holds confidences in (b/B, (b+1)/B]; a confidence of exactly 0 joins the first bin
    index = (confidence * bins).ceil().long().clamp(1, bins) - 1
    counts = torch.bincount(index, minlength=bins)
    conf_sum = torch.zeros(bins).index_add_(0, index, confidence)
    acc_sum = torch.zeros(bins).index_add_(0, index, correct)
    filled = counts > 0
    mean_conf = torch.where(filled, conf_sum / counts.clamp_min(1), torch.tensor(float("nan")))
    mean_acc = torch.where(filled, acc_sum / counts.clamp_min(1), torch.tensor(float("nan")))
    # ECE = sum_b (n_b / N) * |acc_b - conf_b|
    gaps = (mean_acc - mean_conf).abs().nan_to_num(0.0)
    ece = float((counts.float() / max(len(labels), 1) * gaps).sum())
    return Calibration(ece, mean_conf.tolist(), mean_acc.tolist(), counts.tolist(),
                       float(confidence.mean()) if len(labels) else float("nan"),
                       float(correct.mean()) if len(labels) else float("nan"))
