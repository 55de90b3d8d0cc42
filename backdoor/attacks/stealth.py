"""How visible a trigger is: pixel distances, PSNR and SSIM between clean and triggered images."""

from __future__ import annotations

import math

import torch


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    g = torch.exp(-((torch.arange(size) - size // 2) ** 2) / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Structural similarity (Wang et al. 2004) per image of two batches in [0, 1]: 1 = identical.

    Paper: https://doi.org/10.1109/TIP.2003.819861. Local means, variances and covariance
    under an 11x11 Gaussian window (sigma 1.5; smaller on images under 11 pixels), with the paper's constants K1 = 0.01,
    K2 = 0.03; each channel separately, then averaged over pixels and channels.
    """
    channels, size = a.shape[1], min(11, *a.shape[-2:])
    size -= 1 - size % 2  # odd, and never larger than the image (tiny images get a smaller window)
    window = _gaussian_window(size).to(a)[None, None].expand(channels, 1, -1, -1)

    def blur(t):
        return torch.nn.functional.conv2d(t, window, groups=channels)

    c1, c2 = 0.01**2, 0.03**2
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    # SSIM = (2 mu_a mu_b + C1)(2 cov + C2) / ((mu_a^2 + mu_b^2 + C1)(var_a + var_b + C2))
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return value.flatten(1).mean(dim=1)


def unchanged(clean: torch.Tensor, triggered: torch.Tensor) -> torch.Tensor:
    """Bool (N,): the images the trigger left exactly as they were (black ink on a black background)."""
    return (triggered == clean).flatten(1).all(dim=1)


def stealth(clean: torch.Tensor, triggered: torch.Tensor) -> dict[str, float]:
    """How visible the trigger is, averaged over the images it changes.

    ``linf``: the largest change to any pixel (0-1 scale); ``l2``: the size of the whole
    change per image; ``psnr``: peak signal-to-noise ratio in dB (higher = harder to see;
    above about 30 dB most people cannot tell the images apart); ``ssim``: structural
    similarity, 1 for identical images (above about 0.95 the change is hard to see);
    ``unchanged``: the share of images the trigger left exactly as they were. Those are left out of
    the averages (an unchanged image's PSNR is infinite, and would make the mean infinite too);
    when it changes none (or there are no images), the figures are those of no change: 0, 0, infinite and 1.
    """
    same = unchanged(clean, triggered)
    figures = {"unchanged": float(same.float().mean()) if len(same) else 0.0}  # no images: none left unchanged
    if bool(same.all()):
        return {"linf": 0.0, "l2": 0.0, "psnr": math.inf, "ssim": 1.0, **figures}
    clean, triggered = clean[~same], triggered[~same]
    diff = (triggered - clean).flatten(1)
    mse = diff.pow(2).mean(dim=1)
    # PSNR = 10 log10(MAX^2 / MSE), with MAX = 1 for images in [0, 1]
    psnr = 10 * torch.log10(1.0 / mse.clamp_min(1e-12))
    return {
        "linf": float(diff.abs().max(dim=1).values.mean()),
        "l2": float(diff.norm(dim=1).mean()),
        "psnr": float(psnr.mean()),
        "ssim": float(ssim(clean, triggered).mean()),
        **figures,
    }
