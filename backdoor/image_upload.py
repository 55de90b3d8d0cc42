"""Reading a picture someone uploaded, defensively, into the data set's image shape.

An upload is untrusted bytes. Only PNG and JPEG are accepted, recognised by their first
bytes (never by the file name); the file size and the pixel count are limited before
anything is decoded, so a decompression bomb (a tiny file that claims a gigantic image)
is refused from its header alone (Pillow's own, looser ``MAX_IMAGE_PIXELS`` guard stays on
behind it); and any decoding failure becomes an ``UploadRejected`` with a message a user
can act on.

What comes back is shaped like the data set: greyscale or colour, resized, in [0, 1].
Greyscale data sets here (MNIST digits) are light strokes on black, so a dark-on-light
photo is inverted, then the drawing is cropped, scaled into the middle of the frame and
padded as MNIST itself was prepared (a 20x20 box centred in 28x28).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
from PIL import Image, ImageOps

MAX_BYTES = 5 * 1024 * 1024  # 5 MB
MAX_PIXELS = 25_000_000  # 25 megapixels: a large phone photo; more is refused unread
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
INK_THRESHOLD = 0.2  # a pixel brighter than this share of the brightest one is part of the drawing
BOX_SHARE = 20 / 28  # MNIST's digits fill a 20x20 box in a 28x28 frame


class UploadRejected(ValueError):
    """The file is not a usable picture; the message says why and what to upload instead."""


@dataclass(frozen=True, eq=False)
class UploadedImage:
    """A picture ready for the model, and what was done to it (for the preview)."""

    image: torch.Tensor  # (1, channels, height, width), float in [0, 1]
    format: str  # "PNG" or "JPEG"
    original_size: tuple[int, int]  # (width, height) as uploaded
    inverted: bool  # dark-on-light was turned into light-on-dark


def sniff_format(data: bytes) -> Optional[str]:
    """"PNG" or "JPEG" from the file's first bytes, else None."""
    for signature, name in SIGNATURES.items():
        if data.startswith(signature):
            return name
    return None


def read_image(data: bytes, image_shape: tuple[int, int, int], invert: Optional[bool] = None) -> UploadedImage:
    """Decode ``data`` into one image of ``image_shape`` (channels, height, width).

    ``invert``: None decides by itself for greyscale shapes (a mostly light picture is
    inverted); True or False forces it. Raises ``UploadRejected`` for anything unusable.
    """
    if not data:
        raise UploadRejected("The file is empty. Upload a PNG or JPEG picture.")
    if len(data) > MAX_BYTES:
        raise UploadRejected(f"The file is {len(data) / 1e6:.1f} MB; pictures up to {MAX_BYTES // 2**20} MB "
                             "are accepted. Save a smaller version and upload that.")
    kind = sniff_format(data)
    if kind is None:
        raise UploadRejected("This is not a PNG or JPEG file (whatever its name says). Only PNG and JPEG "
                             "pictures are accepted.")
    picture, original_size = _decode(data, kind)
    channels, height, width = image_shape
    greyscale = channels == 1
    picture = picture.convert("L" if greyscale else "RGB")
    pixels = np.asarray(picture, dtype=np.float32) / 255.0
    if greyscale:
        flip = bool(pixels.mean() > 0.5) if invert is None else invert
        if flip:
            pixels = 1.0 - pixels
        pixels = _centre_drawing(pixels, height, width)
        tensor = torch.from_numpy(pixels)[None, None]
    else:
        flip = bool(invert)
        if flip:
            pixels = 1.0 - pixels
        tensor = _fit_colour(pixels, height, width)[None]
    return UploadedImage(tensor.clamp(0.0, 1.0).contiguous(), kind, original_size, inverted=flip)


def _open(data: bytes, kind: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        raise UploadRejected(_too_many_pixels("far")) from None
    except Exception as error:  # noqa: BLE001 - any failure to parse untrusted bytes is a rejection
        raise UploadRejected(f"This {kind} file is damaged and cannot be read ({type(error).__name__}).") from None


def _decode(data: bytes, kind: str) -> tuple[Image.Image, tuple[int, int]]:
    picture = _open(data, kind)
    width, height = picture.size  # from the header: nothing decoded yet
    if width < 1 or height < 1:
        raise UploadRejected("The picture has no pixels.")
    if width * height > MAX_PIXELS:
        raise UploadRejected(_too_many_pixels(f"{width:,} x {height:,} pixels,"))
    try:
        picture.load()
        picture = ImageOps.exif_transpose(picture)
    except Exception as error:  # noqa: BLE001 - truncated, corrupt, or a bomb: never a crash
        raise UploadRejected(f"This {kind} file could not be decoded ({type(error).__name__}); it may be "
                             "damaged or incomplete. Try saving it again.") from None
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        backdrop = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(backdrop, picture.convert("RGBA"))  # transparent = white paper
    return picture, (width, height)


def _too_many_pixels(claim: str) -> str:
    return (f"The picture claims {claim} more than the {MAX_PIXELS / 1e6:.0f} megapixels accepted. It was not "
            "opened: files that unpack into huge images are a known way to crash a server. Upload a smaller picture.")


def _resize(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a 2-D (H, W) or 3-D (H, W, C) float array with Pillow's antialiasing."""
    if pixels.ndim == 2:
        return np.asarray(Image.fromarray(pixels, mode="F").resize((width, height), Image.Resampling.LANCZOS))
    planes = [_resize(pixels[..., c], height, width) for c in range(pixels.shape[2])]
    return np.stack(planes, axis=-1)


def _centre_drawing(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Crop to the drawing, scale it into the frame's central box, centre it (MNIST style)."""
    ink = pixels > INK_THRESHOLD * float(pixels.max())  # an all-black picture has no ink: nothing is > 0
    if ink.any():
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        pixels = pixels[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    box_h, box_w = max(1, round(BOX_SHARE * height)), max(1, round(BOX_SHARE * width))
    scale = min(box_h / pixels.shape[0], box_w / pixels.shape[1])
    new_h = max(1, min(box_h, round(pixels.shape[0] * scale)))
    new_w = max(1, min(box_w, round(pixels.shape[1] * scale)))
    small = _resize(pixels, new_h, new_w)  # Lanczos overshoot is clamped to [0, 1] by read_image
    frame = np.zeros((height, width), dtype=np.float32)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    frame[top : top + new_h, left : left + new_w] = small
    return frame


def _fit_colour(pixels: np.ndarray, height: int, width: int) -> torch.Tensor:
    """Centre-crop to the frame's aspect ratio, then resize: (channels, height, width)."""
    h, w = pixels.shape[:2]
    if w * height > h * width:  # too wide
        keep = max(1, round(h * width / height))
        start = (w - keep) // 2
        pixels = pixels[:, start : start + keep]
    else:
        keep = max(1, round(w * height / width))
        start = (h - keep) // 2
        pixels = pixels[start : start + keep]
    resized = _resize(pixels, height, width)  # clamped to [0, 1] by read_image
    return torch.from_numpy(np.ascontiguousarray(resized.transpose(2, 0, 1)))
