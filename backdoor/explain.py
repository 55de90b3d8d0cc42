"""Where is the model looking? Captum attribution maps behind one call shape.

``attribute(model, images, target, method, **options)`` returns one non-negative map per
image, shaped (N, H, W) like the images: the magnitude of each pixel's contribution to
the score of class ``target``. A table's method (``modalities=("tabular",)``) returns instead
one signed value per measurement of each record, (N, D): positive pushed the score up. ``trigger_share`` measures how much of that attribution
falls on the trigger, and ``overlay`` draws a map over its image for the pages.

Methods (all from Captum, https://captum.ai):
- Saliency, Simonyan et al. 2013, https://arxiv.org/abs/1312.6034
- Integrated Gradients, Sundararajan et al. 2017, https://arxiv.org/abs/1703.01365
- Grad-CAM, Selvaraju et al. 2017, https://arxiv.org/abs/1610.02391
- Occlusion, Zeiler & Fergus 2014, https://arxiv.org/abs/1311.2901
- SmoothGrad, Smilkov et al. 2017, https://arxiv.org/abs/1706.03825

The model is never changed: each call works on a private copy in eval mode, so a model
shared between users (and Captum's temporary hooks) cannot interfere.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Union

import numpy as np
import torch
from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam, NoiseTunnel, Occlusion, Saliency
from torch import nn

from backdoor.busy import WORK
from models import layer

Target = Union[int, torch.Tensor]


def _per_pixel(attr: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) signed attributions -> (N, H, W) magnitudes, summed over channels."""
    return attr.detach().abs().sum(dim=1)


def _saliency(model, x, target, *, gradcam_layer: str = "", **_):
    return _per_pixel(Saliency(model).attribute(x, target=target, abs=True))


def _integrated_gradients(model, x, target, *, steps: int = 32, gradcam_layer: str = "", **_):
    # IG_i = (x_i - x'_i) * mean over alpha of dF/dx_i at x' + alpha (x - x'), black image x'
    ig = IntegratedGradients(model)
    attr = ig.attribute(x, baselines=torch.zeros_like(x), target=target, n_steps=steps,
                        internal_batch_size=max(len(x) * steps, 1))
    return _per_pixel(attr)


def _gradcam(model, x, target, *, gradcam_layer: str, **_):
    cam = LayerGradCam(model, layer(model, gradcam_layer))
    coarse = cam.attribute(x, target=target, relu_attributions=True)
    return LayerAttribution.interpolate(coarse, tuple(x.shape[-2:]), "bilinear").detach().clamp_min(0)[:, 0]


def _feature_integrated_gradients(model, x, target, *, steps: int = 64, gradcam_layer: str = "", **_):
    # IG_i = (x_i - x'_i) * mean over alpha of dF/dx_i; x' = all zeros, which for standardised
    # measurements is the average training record. Signed: which way each measurement pushed.
    ig = IntegratedGradients(model)
    attr = ig.attribute(x, baselines=torch.zeros_like(x), target=target, n_steps=steps,
                        internal_batch_size=max(len(x) * steps, 1))
    return attr.detach()


def _occlusion(model, x, target, *, window: int = 4, stride: int = 2, gradcam_layer: str = "", **_):
    c = x.shape[1]
    attr = Occlusion(model).attribute(
        x, target=target, sliding_window_shapes=(c, window, window), strides=(c, stride, stride), baselines=0.0
    )
    return _per_pixel(attr)


def _smoothgrad(model, x, target, *, samples: int = 16, noise: float = 0.15, seed: int = 0,
                gradcam_layer: str = "", **_):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the noise is seeded: same inputs, same map
        attr = NoiseTunnel(Saliency(model)).attribute(
            x, nt_type="smoothgrad", nt_samples=samples, nt_samples_batch_size=samples,
            stdevs=noise, target=target, abs=True,
        )
    return _per_pixel(attr)


@dataclass(frozen=True)
class MethodSpec:
    name: str
    title: str
    summary: str
    paper: str
    run: Callable[..., torch.Tensor]
    modalities: tuple[str, ...] = ("image",)


METHODS: dict[str, MethodSpec] = {
    m.name: m
    for m in [
        MethodSpec("integrated_gradients", "Integrated Gradients",
                   "Adds up the gradient along a path from a black image to this one: how much each "
                   "pixel's brightness contributed to the score.",
                   "https://arxiv.org/abs/1703.01365", _integrated_gradients),
        MethodSpec("saliency", "Saliency (gradient)",
                   "How much the score would change if one pixel changed a little. Fast but noisy.",
                   "https://arxiv.org/abs/1312.6034", _saliency),
        MethodSpec("gradcam", "Grad-CAM",
                   "Which regions of the last convolution layer's view drove the score; coarse, "
                   "stretched back to image size.",
                   "https://arxiv.org/abs/1610.02391", _gradcam),
        MethodSpec("occlusion", "Occlusion",
                   "Covers the image with a small black square, spot by spot, and records how much "
                   "the score drops. Slow but easy to trust.",
                   "https://arxiv.org/abs/1311.2901", _occlusion),
        MethodSpec("smoothgrad", "SmoothGrad",
                   "Saliency averaged over noisy copies of the image, which smooths out the speckle.",
                   "https://arxiv.org/abs/1706.03825", _smoothgrad),
        MethodSpec("feature_integrated_gradients", "Integrated Gradients (per measurement)",
                   "Adds up the gradient along a path from the average record to this one: how much each "
                   "measurement pushed the answer, and which way.",
                   "https://arxiv.org/abs/1703.01365", _feature_integrated_gradients, modalities=("tabular",)),
    ]
}


def methods_for(modality: str) -> dict[str, MethodSpec]:
    """The attribution methods that work on this kind of data ("image" or "tabular"), in order."""
    return {name: m for name, m in METHODS.items() if modality in m.modalities}
DEFAULT_METHOD = "integrated_gradients"


def attribute(
    model: nn.Module,
    images: torch.Tensor,
    target: Target,
    method: str = DEFAULT_METHOD,
    gradcam_layer: str = "",
    **options,
) -> torch.Tensor:
    """Attribution magnitudes (N, H, W) on the CPU for ``images`` (N, C, H, W) and class ``target``
    (a table's method: signed values (N, D) for records (N, D)).

    Args:
        model: a classifier; it is not modified (a private eval-mode copy is used).
        images: a batch in [0, 1].
        target: one class for all images, or one per image.
        method: a name in ``METHODS``.
        gradcam_layer: the conv layer path Grad-CAM needs (see ``models.MODELS``).
        options: method settings, e.g. ``steps`` for Integrated Gradients.

    Example:
        >>> maps = attribute(model, x[:4], target=0, method="saliency")
    """
    if method not in METHODS:
        raise ValueError(f"Unknown attribution method {method!r}; choose one of {', '.join(METHODS)}.")
    private = copy.deepcopy(model).eval()
    for p in private.parameters():
        p.requires_grad_(False)  # gradients flow to the input only
    device = next(private.parameters()).device
    x = images.detach().to(device).clone().requires_grad_(True)
    if isinstance(target, torch.Tensor):
        target = target.to(device)
    with WORK.running():  # up to a second of both cores: a unit cost timed beside it is timed again (backdoor.busy)
        maps = METHODS[method].run(private, x, target, gradcam_layer=gradcam_layer, **options)
    return maps.cpu().float()


def trigger_share(maps: torch.Tensor, footprint: torch.Tensor) -> tuple[float, float]:
    """(share, lift) of attribution on the trigger's footprint, over a batch of maps (or of a
    table's attributions (N, D) with the trigger's columns (D,); signed values count by size).

    share = sum of attribution inside the footprint / total attribution;
    lift = share / (footprint area / image area), so 1.0 means "no special attention".
    """
    footprint = footprint.to(maps.device, torch.bool)
    maps = maps.abs()
    total = maps.sum()
    share = float(maps[:, footprint].sum() / total) if total > 0 else 0.0
    area = float(footprint.float().mean())
    return share, (share / area if area > 0 else float("nan"))


def overlay(image: torch.Tensor, attribution: torch.Tensor, scale: int = 8, alpha: float = 0.8) -> np.ndarray:
    """An (H*scale, W*scale, 3) uint8 picture: the image in grey, the map in warm colours on top.

    The map is scaled to its 99th percentile so one extreme pixel cannot wash out the rest.
    """
    import matplotlib

    grey = image.detach().cpu().float().mean(dim=0).numpy()
    heat = attribution.detach().cpu().float().numpy()
    top = np.percentile(heat, 99) if heat.max() > 0 else 1.0
    heat = np.clip(heat / (top + 1e-12), 0, 1)
    colours = matplotlib.colormaps["inferno"](heat)[..., :3]
    weight = alpha * heat[..., None] ** 0.5
    mixed = (1 - weight) * grey[..., None] + weight * colours
    picture = (np.clip(mixed, 0, 1) * 255).round().astype(np.uint8)
    return np.kron(picture, np.ones((scale, scale, 1), dtype=np.uint8))
