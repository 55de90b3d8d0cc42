"""A small multilayer perceptron for rows of measurements (a table of patient records)."""

from __future__ import annotations

import torch
from torch import nn


class TabularMLP(nn.Module):
    """fc(hidden) -> ReLU -> fc(classes): one hidden layer of 64 units by default.

    ``embed`` returns the hidden layer, which the data-inspection defenses cluster, as they
    cluster a CNN's last hidden layer.
    """

    def __init__(self, in_features: int = 30, num_classes: int = 2, hidden: int = 64):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc1(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.embed(x))
