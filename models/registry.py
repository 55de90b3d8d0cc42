"""The model registry: a stable name -> how to build it and which layer to explain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from models.color_cnn import ColorCNN
from models.small_cnn import SmallCNN


@dataclass(frozen=True)
class ModelSpec:
    name: str
    title: str
    description: str
    build: Callable[..., nn.Module]
    gradcam_layer: str  # attribute path of the conv layer Grad-CAM should use
    designed_for: str  # the data it was sized for, shown in the UI


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "small-cnn",
            "Small CNN (2 conv layers)",
            "Two convolutions and two dense layers, about 420,000 weights; sized for 28x28 "
            "greyscale digits.",
            SmallCNN,
            gradcam_layer="conv2",
            designed_for="28x28 greyscale",
        ),
        ModelSpec(
            "color-cnn",
            "Colour CNN (3 conv layers)",
            "Three convolution blocks with batch normalisation and two dense layers, about "
            "350,000 weights; sized for 32x32 colour images.",
            ColorCNN,
            gradcam_layer="conv3",
            designed_for="32x32 colour",
        ),
    ]
}


def compatible_models(image_shape: tuple[int, int, int]) -> list[str]:
    """Names of the models that accept images of this (channels, height, width).

    Every architecture here adapts its first and dense layers to the input, so any
    image of at least 16x16 pixels fits; the data set's default comes first in the UI.
    """
    _, height, width = image_shape
    return list(MODELS) if min(height, width) >= 16 else []


def build_model(name: str, image_shape: tuple[int, int, int], num_classes: int) -> nn.Module:
    """A freshly initialised model (seed torch first for a reproducible start)."""
    channels, height, _ = image_shape
    return MODELS[name].build(in_channels=channels, num_classes=num_classes, image_size=height)


def layer(model: nn.Module, path: str) -> nn.Module:
    """The sub-module at a dotted attribute path, e.g. ``layer(model, "conv2")``."""
    for part in path.split("."):
        model = getattr(model, part)
    return model
