"""The model registry: a stable name -> how to build it and which layer to explain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from models.color_cnn import ColorCNN
from models.mlp import TabularMLP
from models.small_cnn import SmallCNN


def _image_model(cls) -> Callable[[tuple[int, ...], int], nn.Module]:
    """Build a CNN for images of shape (channels, height, width)."""
    return lambda shape, num_classes: cls(in_channels=shape[0], num_classes=num_classes, image_size=shape[1])


@dataclass(frozen=True)
class ModelSpec:
    name: str
    title: str
    description: str
    build: Callable[[tuple[int, ...], int], nn.Module]  # (input shape, classes) -> a fresh model
    gradcam_layer: str  # attribute path of the conv layer Grad-CAM should use (a table's model: its hidden layer)
    designed_for: str  # the data it was sized for, shown in the UI
    modalities: tuple[str, ...] = ("image",)


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "small-cnn",
            "Small CNN (2 conv layers)",
            "Two convolutions and two dense layers, about 420,000 weights; sized for 28x28 "
            "greyscale digits.",
            _image_model(SmallCNN),
            gradcam_layer="conv2",
            designed_for="28x28 greyscale",
        ),
        ModelSpec(
            "color-cnn",
            "Colour CNN (3 conv layers)",
            "Three convolution blocks with batch normalisation and two dense layers, about "
            "350,000 weights; sized for 32x32 colour images.",
            _image_model(ColorCNN),
            gradcam_layer="conv3",
            designed_for="32x32 colour",
        ),
        ModelSpec(
            "mlp",
            "Small MLP (1 hidden layer)",
            "One hidden layer of 64 units between the measurements and the answer, about 2,100 weights; "
            "sized for a table of a few dozen measurements.",
            lambda shape, num_classes: TabularMLP(in_features=shape[0], num_classes=num_classes),
            gradcam_layer="fc1",
            designed_for="a row of measurements",
            modalities=("tabular",),
        ),
    ]
}


def models_for(modality: str) -> list[str]:
    """Names of the models that work on this kind of data (``"image"`` or ``"tabular"``), in order."""
    return [name for name, spec in MODELS.items() if modality in spec.modalities]


def compatible_models(image_shape: tuple[int, ...]) -> list[str]:
    """Names of the models that accept inputs of this shape: (channels, height, width) images, or
    (measurements,) rows of a table.

    Every image architecture here adapts its first and dense layers to the input, so any
    image of at least 16x16 pixels fits; the data set's default comes first in the UI.
    """
    if len(image_shape) == 1:
        return models_for("tabular")
    _, height, width = image_shape
    return models_for("image") if min(height, width) >= 16 else []


def build_model(name: str, image_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """A freshly initialised model (seed torch first for a reproducible start)."""
    return MODELS[name].build(tuple(image_shape), num_classes)


def layer(model: nn.Module, path: str) -> nn.Module:
    """The sub-module at a dotted attribute path, e.g. ``layer(model, "conv2")``."""
    for part in path.split("."):
        model = getattr(model, part)
    return model
