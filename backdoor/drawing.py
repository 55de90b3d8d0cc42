"""From a drawing canvas to the lab's values: a drawn trigger, a tap that places it, a drawn digit.

The canvas hands back its pixels as RGBA (height, width, 4), at any multiple of the image's size
(a 28x28 digit is drawn on 280x280 pixels, or more on a high-density phone screen). Each image
pixel is the average of the canvas pixels over it; it counts as drawn when ink covers at least
``COVERAGE`` of it.
"""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from backdoor.attacks.drawn import Drawn
from backdoor.image_upload import read_image

COVERAGE = 0.4  # the share of an image pixel the ink must cover for that pixel to count as drawn


def _shrink(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """(Hc, Wc) canvas values averaged down to (height, width) image pixels."""
    tensor = torch.from_numpy(np.ascontiguousarray(plane, dtype=np.float32))[None, None]
    return F.adaptive_avg_pool2d(tensor, (height, width))[0, 0].numpy()


def _ink(rgba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How much ink covers each canvas pixel (alpha, 0-1), and its brightness times that cover."""
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError("A canvas drawing is RGBA pixels, (height, width, 4).")
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    # luminance (ITU-R 601): 0.299 R + 0.587 G + 0.114 B, premultiplied by the cover
    luminance = (rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)) / 255.0
    return alpha, luminance * alpha


def drawn_from_canvas(rgba: np.ndarray, image_hw: tuple[int, int], coverage: float = COVERAGE) -> Drawn | None:
    """The trigger drawn on a canvas laid over an image of ``image_hw`` pixels: the drawn pixels (cropped
    to their bounding box) with their brightness, placed where they were drawn; None when nothing was."""
    height, width = image_hw
    alpha, premultiplied = _ink(rgba)
    cover, light = _shrink(alpha, height, width), _shrink(premultiplied, height, width)
    drawn = cover >= coverage
    if not drawn.any():
        return None
    rows, cols = np.nonzero(drawn.any(axis=1))[0], np.nonzero(drawn.any(axis=0))[0]
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    mask = drawn[top:bottom, left:right]
    # the ink's own brightness: premultiplied light over cover (a half-covered white pixel is still white)
    brightness = np.where(mask, light[top:bottom, left:right] / np.maximum(cover[top:bottom, left:right], 1e-6), 0)
    pattern = np.clip(np.rint(brightness * 255), 0, 255).astype(np.uint8)
    return Drawn(int(bottom - top), int(right - left), mask.astype(np.uint8).tobytes(), pattern.tobytes(),
                 top=int(top), left=int(left))


def tapped_pixel(x: float, y: float, shown_width: float, shown_height: float,
                 image_hw: tuple[int, int]) -> tuple[int, int]:
    """The image pixel (row, column) under a tap at (``x``, ``y``) on a picture shown ``shown_width`` x
    ``shown_height`` screen pixels."""
    height, width = image_hw
    row = int(y * height / max(shown_height, 1))
    col = int(x * width / max(shown_width, 1))
    return min(max(row, 0), height - 1), min(max(col, 0), width - 1)


def centred_on(trigger: Drawn, row: int, col: int, image_hw: tuple[int, int]) -> Drawn:
    """The same drawing moved so its centre sits on (``row``, ``col``), kept whole inside the image
    when it fits (a tap near the edge places it against the edge)."""
    height, width = image_hw
    top = min(max(row - trigger.height // 2, 0), max(height - trigger.height, 0))
    left = min(max(col - trigger.width // 2, 0), max(width - trigger.width, 0))
    return replace(trigger, top=top, left=left)


def digit_from_canvas(rgba: np.ndarray, image_shape: tuple[int, int, int]) -> torch.Tensor | None:
    """A digit drawn in light ink on a dark canvas, prepared as an uploaded picture is (centred and
    sized as MNIST's digits): (1, C, H, W) in [0, 1]; None when the canvas is empty."""
    _, premultiplied = _ink(rgba)
    if premultiplied.max() == 0:  # no light ink (a dark canvas's own background is no drawing)
        return None
    grey = Image.fromarray(np.clip(np.rint(premultiplied * 255), 0, 255).astype(np.uint8), mode="L")
    png = io.BytesIO()
    grey.save(png, format="PNG")
    return read_image(png.getvalue(), image_shape, invert=False).image
