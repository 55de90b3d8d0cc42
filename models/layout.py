"""The memory layout every image model computes in: channels-last (NHWC).

On the CPU, PyTorch's max-pooling over the default layout (NCHW) is slow: on the small CNN one
2x2 pooling of a batch of 64 took 5.3 ms, against 0.45 ms channels-last, and the convolutions
(oneDNN) are faster channels-last too. A whole training step ran about 1.5x faster and inference
about 1.9x (benchmarks/RESULTS.md, "channels-last"). The values computed are the same up to
float rounding; the float sums differ from the default layout's, and are as repeatable.

A model is built channels-last (its convolution weights), and ``embed`` puts its input in that
layout, so every caller gets it without knowing.
"""

from __future__ import annotations

import torch
from torch import nn


def channels_last(model: nn.Module) -> nn.Module:
    """``model`` with its 4-D weights stored channels-last (in place; returned for chaining)."""
    return model.to(memory_format=torch.channels_last)


def as_channels_last(x: torch.Tensor) -> torch.Tensor:
    """A batch of images (N, C, H, W) in channels-last layout (no copy when it already is)."""
    return x.contiguous(memory_format=torch.channels_last)
