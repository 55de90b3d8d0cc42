"""Model architectures and their registry."""

from models.registry import MODELS, ModelSpec, build_model, compatible_models, layer, models_for

__all__ = ["MODELS", "ModelSpec", "build_model", "compatible_models", "layer", "models_for"]
