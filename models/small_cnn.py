"""A 2-conv network for 28x28 greyscale digits (the shape of pytorch/examples' MNIST net, smaller)."""

from __future__ import annotations

import torch
from torch import nn

from models.layout import as_channels_last, channels_last


class SmallCNN(nn.Module):
    """conv(32) -> pool -> conv(64) -> pool -> fc(128) -> fc(classes).

    ``embed`` returns the last hidden layer (128 values), which the data-inspection
    defenses cluster; ``conv2`` is the layer Grad-CAM explains.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * (image_size // 4) ** 2, 128)
        self.fc2 = nn.Linear(128, num_classes)
        channels_last(self)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.conv1(as_channels_last(x))))
        x = self.pool(torch.relu(self.conv2(x)))
        return torch.relu(self.fc1(x.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.embed(x))
