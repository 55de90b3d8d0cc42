"""A model whose weights sit on another device, for tests that images follow the model there."""

from __future__ import annotations

import torch


class Elsewhere(torch.nn.Module):
    """Weights on another device (torch's "meta" device stands in for a GPU): records the device
    of the images it is given, and answers class 0 for every image."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1, device="meta"))
        self.devices: list[str] = []

    def forward(self, x):
        self.devices.append(x.device.type)
        return torch.tensor([[1.0, 0.0]]).expand(len(x), -1)
