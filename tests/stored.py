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


def tiny_digits():
    """Sixty random 28x28 "digits" with hand-chosen labels: 40 training images, 4 of each class; 20 test
    images, whose held-out half (the last ten) has two 0s and one 1 (an always-0 model scores 20% there)."""
    from backdoor.datasets import Dataset

    images = torch.rand((60, 1, 28, 28), generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([i % 10 for i in range(40)] + list(range(10)) + [0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
    return Dataset(name="digits-tiny", x_train=images[:40], y_train=labels[:40], x_test=images[40:],
                   y_test=labels[40:], classes=tuple(str(d) for d in range(10)), description="")
