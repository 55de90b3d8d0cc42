"""Cached attribution maps for the pages: computed once per model, image and method."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from backdoor.datasets import Dataset, objects_at
from backdoor.explain import DEFAULT_METHOD, METHODS, attribute, overlay, trigger_share
from backdoor.metrics import predict_proba
from backdoor.scenario import Scenario
from models import MODELS
from ui.alt_text import heat_alt
from ui.words import whole_percent

ATTRIBUTION_IMAGES = 32  # triggered images whose attributions are averaged for a model's trigger share


@st.cache_data(max_entries=512, show_spinner=False)
def _map(model_id: str, _model: torch.nn.Module, image_id: str, _image: torch.Tensor, target: int,
         method: str, gradcam_layer: str) -> np.ndarray:
    return attribute(_model, _image, target, method, gradcam_layer=gradcam_layer)[0].numpy()


def attribution_map(model_id: str, model: torch.nn.Module, image_id: str, image: torch.Tensor,
                    target: int, method: str, scenario: Scenario) -> torch.Tensor:
    """The (H, W) map of one image (1, C, H, W) for class ``target``, from the cache when possible."""
    return map_for(model_id, model, image_id, image, target, method, scenario.model)


def map_for(model_id: str, model: torch.nn.Module, image_id: str, image: torch.Tensor, target: int, method: str,
            architecture: str) -> torch.Tensor:
    """:func:`attribution_map` for a model known only by its architecture (a pool model)."""
    layer_name = MODELS[architecture].gradcam_layer
    return torch.from_numpy(_map(model_id, model, image_id, image, int(target), method, layer_name))


@st.cache_data(max_entries=64, show_spinner=False)
def _batch_share(model_id: str, _model, _images: torch.Tensor, trigger_id: str, _footprint, method: str,
                 gradcam_layer: str) -> tuple[float, float]:
    with torch.no_grad():
        targets = _model(_images.to(next(_model.parameters()).device)).argmax(1).cpu()
    maps = attribute(_model, _images, targets, method, gradcam_layer=gradcam_layer)
    return trigger_share(maps, _footprint)


def triggered_share(model_id: str, model, dataset: Dataset, scenario: Scenario, method: str = DEFAULT_METHOD,
                    count: int = ATTRIBUTION_IMAGES):
    """(share, lift) over ``count`` triggered test images of other classes, each explained
    for the class the model predicts. ``model_id`` must name this exact model (cache key)."""
    x, y = dataset.held_out
    rows = torch.nonzero(scenario.attackable(y)).flatten()[:count]
    others, objects = x[rows], objects_at(dataset.held_out_objects, rows)
    images = scenario.stamp(others, objects)
    footprint = scenario.footprint(others, objects)
    return _batch_share(model_id, model, images, repr((dataset.name, scenario.data_seed, scenario.trigger)),
                        footprint, method, MODELS[scenario.model].gradcam_layer)


def picture(image: torch.Tensor, attribution: torch.Tensor) -> np.ndarray:
    return overlay(image, attribution, scale=max(2, 224 // image.shape[-1]))


def method_caption(method: str) -> str:
    spec = METHODS[method]
    return f"{spec.summary} [Paper]({spec.paper})."


def explained_image(container, model_id: str, model: torch.nn.Module, image: torch.Tensor, image_id: str,
                    scenario: Scenario, device, method: str = DEFAULT_METHOD, width="stretch",
                    objects: torch.Tensor | None = None) -> dict:
    """Draw ``image`` (1, C, H, W) with the model's attribution map for the class it predicts
    (``objects``: where its object sits, for a trigger placed on it).

    Returns what a caption needs: the predicted class, its probability, and the share and
    lift of attribution on the trigger's footprint.
    """
    probs = predict_proba(model, image, device)[0]
    k = int(probs.argmax())
    heat = attribution_map(model_id, model, image_id, image, k, method, scenario)
    share, lift = trigger_share(heat[None], scenario.footprint(image, objects))
    container.image(picture(image[0], heat), width=width, alt=heat_alt(f"a picture the model answers as class {k}"))
    return {"label": k, "prob": float(probs[k]), "share": share, "lift": lift}


def times(lift: float) -> str:
    """A lift in words: "37 times", "2.2 times", "0.4 times" (whole numbers from 10 up)."""
    return f"{lift:.0f} times" if lift >= 9.95 else f"{lift:.1f} times"


def one_image_reading(answer: str, prob: float, share: float, lift: float, base_share: float, base_lift: float,
                      where: str, ours: str = "backdoored model") -> str:
    """What the two models did with one triggered image, in one present-tense sentence per model (``ours``: the
    model trained on the lab's data, as ``ui.readings.model_name`` names it)."""
    return (f"With the trigger, the {ours} says '{answer}' ({whole_percent(prob)}) and puts "
            f"**{whole_percent(share)}** of its attribution on {where}: **{times(lift)}** what the area's size would "
            f"suggest. The clean model, shown the same image, puts {whole_percent(base_share)} there "
            f"({times(base_lift)}).")
