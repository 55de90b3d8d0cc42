"""A slightly deeper network for 32x32 colour images (traffic signs, CIFAR-10, GTSRB)."""

from __future__ import annotations

import torch
from torch import nn

from models.layout import as_channels_last, channels_last


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)
    )


class ColorCNN(nn.Module):
    """Three conv blocks (32, 64, 128 channels) -> fc(128) -> fc(classes).

    ``embed`` returns the last hidden layer; ``conv3`` (the last convolution) is the
    layer Grad-CAM explains and Fine-Pruning prunes.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, image_size: int = 32):
        super().__init__()
        self.block1 = _block(in_channels, 32)
        self.block2 = _block(32, 64)
        self.block3 = _block(64, 128)
        self.fc1 = nn.Linear(128 * (image_size // 8) ** 2, 128)
        self.dropout = nn.Dropout(0.2)
        self.fc2 = nn.Linear(128, num_classes)
        channels_last(self)

    @property
    def conv3(self) -> nn.Conv2d:
        return self.block3[0]

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block3(self.block2(self.block1(as_channels_last(x))))
        return self.dropout(torch.relu(self.fc1(x.flatten(1))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.embed(x))
