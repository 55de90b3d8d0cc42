"""Models put straight into the model store, so code that reads the store runs without training."""

from __future__ import annotations

import torch

from backdoor.store import save_model
from backdoor.train import TrainResult
from models import build_model


def store_constant_model(scenario, kind: str, answer: int, image_shape=(1, 28, 28), num_classes: int = 10) -> None:
    """Store, for ``scenario``'s ``kind``, a network that answers class ``answer`` for every image
    (all weights zero, one output bias at 1): its accuracy is the share of ``answer`` among the labels."""
    net = build_model(scenario.model, image_shape, num_classes)
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        list(net.parameters())[-1][answer] = 1.0
    save_model(scenario, kind, TrainResult(net.eval()))
