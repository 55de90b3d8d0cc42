"""A procedurally drawn traffic-sign data set: 32x32 colour, 8 classes, offline, seeded.

Each image is a sign drawn with PIL at 4x resolution on a random background (sky,
foliage or wall colours with a gradient and blotches), then scaled, rotated, shifted,
lit, blurred and noised, and finally downsampled to 32x32. The same seed always gives
the same pixels, so every student in a workshop sees the same data. This is the
setting of BadNets' best-known example: a small sticker on a stop sign. The generator knows
where it drew each sign, and the ``Dataset`` carries it (``objects_train``/``objects_test``)
for the sticker to sit on.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from backdoor.datasets.base import Dataset, DatasetSpec, atomic_write, cache_dir, dataset_from_arrays
from backdoor.datasets.made_once import made_once
from backdoor.wording import about

SIGN_CLASSES = (
    "stop",
    "yield",
    "speed limit 30",
    "speed limit 60",
    "no entry",
    "ahead only",
    "turn right",
    "priority road",
)
DESCRIPTION = ("Stop, yield, speed-limit and other road signs drawn by the app on varied "
               "backgrounds, sizes, angles and lighting: the classic 'sticker on a stop sign' story.")
SIZE = 32
CANVAS = 128  # drawn at 4x, then downsampled: smooth edges like a real camera
TRAIN_PER_CLASS = 500
TEST_PER_CLASS = 125
VERSION = 1
# How long a reader waits for signs another caller is drawing before it draws them itself: the start-up
# warm-up draws at low priority, and a class's training can starve it far past the usual 12-20 s.
PATIENCE_SECONDS = 30.0

RED, WHITE, BLACK = (200, 20, 30), (245, 245, 245), (20, 20, 20)
BLUE, YELLOW = (20, 70, 180), (250, 200, 20)


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the small bitmap font
        return ImageFont.load_default()


def _text(draw: ImageDraw.ImageDraw, centre: tuple[float, float], text: str, size: int, fill) -> None:
    draw.text(centre, text, fill=fill, font=_font(size), anchor="mm")


def _circle(draw, c, r, fill):
    draw.ellipse([c - r, c - r, c + r, c + r], fill=fill)


def _arrow(draw, c, r, direction: str) -> None:
    w = r * 0.22
    if direction == "up":
        draw.rectangle([c - w / 2, c - r * 0.1, c + w / 2, c + r * 0.6], fill=WHITE)
        draw.polygon([(c - r * 0.45, c), (c + r * 0.45, c), (c, c - r * 0.6)], fill=WHITE)
    else:
        draw.rectangle([c - r * 0.6, c - w / 2, c + r * 0.1, c + w / 2], fill=WHITE)
        draw.polygon([(c, c - r * 0.45), (c, c + r * 0.45), (c + r * 0.6, c)], fill=WHITE)


def draw_sign(label: int, radius: float = 54.0) -> Image.Image:
    """One sign of class ``label`` centred on a transparent CANVAS x CANVAS image."""
    img = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c, r = CANVAS / 2, radius
    name = SIGN_CLASSES[label]
    if name == "stop":
        angles = np.deg2rad(22.5 + 45 * np.arange(8))
        outer = [(c + r * np.cos(a), c + r * np.sin(a)) for a in angles]
        inner = [(c + 0.86 * r * np.cos(a), c + 0.86 * r * np.sin(a)) for a in angles]
        draw.polygon(outer, fill=WHITE)
        draw.polygon(inner, fill=RED)
        _text(draw, (c, c), "STOP", int(r * 0.55), WHITE)
    elif name == "yield":
        tri = [(c - r, c - 0.75 * r), (c + r, c - 0.75 * r), (c, c + r)]
        draw.polygon(tri, fill=RED)
        inner = [(c - 0.62 * r, c - 0.55 * r), (c + 0.62 * r, c - 0.55 * r), (c, c + 0.55 * r)]
        draw.polygon(inner, fill=WHITE)
    elif name.startswith("speed limit"):
        _circle(draw, c, r, RED)
        _circle(draw, c, 0.78 * r, WHITE)
        _text(draw, (c, c), name.split()[-1], int(r * 0.9), BLACK)
    elif name == "no entry":
        _circle(draw, c, r, RED)
        draw.rectangle([c - 0.65 * r, c - 0.16 * r, c + 0.65 * r, c + 0.16 * r], fill=WHITE)
    elif name in ("ahead only", "turn right"):
        _circle(draw, c, r, BLUE)
        _arrow(draw, c, r, "up" if name == "ahead only" else "right")
    elif name == "priority road":
        diamond = [(c, c - r), (c + r, c), (c, c + r), (c - r, c)]
        draw.polygon(diamond, fill=WHITE)
        inner = [(c, c - 0.7 * r), (c + 0.7 * r, c), (c, c + 0.7 * r), (c - 0.7 * r, c)]
        draw.polygon(inner, fill=YELLOW)
    return img


_CHUNK = 128  # samples planned, then painted in parallel, at a time
_T = np.linspace(0, 1, CANVAS, dtype=np.float32)
_YY, _XX = np.mgrid[0:CANVAS, 0:CANVAS].astype(np.float32)
_PALETTE = np.array(
    [[135, 180, 230], [90, 140, 70], [150, 150, 150], [200, 190, 160], [60, 60, 70], [230, 230, 240]],
    dtype=np.float32,
)


@dataclass(frozen=True)
class _Plan:
    """Everything random about one sample, drawn in a fixed order; painting it draws nothing more."""

    sign: Image.Image  # drawn, not yet rotated
    angle: float
    dx: float
    dy: float
    radius: float
    colours: np.ndarray  # the gradient's two ends (2, 3)
    ramp_angle: float
    blobs: tuple[tuple[float, float, float, np.ndarray], ...]  # (centre y, centre x, size, colour shift (3,))
    blur: float
    brightness: float
    cast: np.ndarray  # (3,)
    noise: np.ndarray  # (SIZE, SIZE, 3)


def _plan(label: int, rng: np.random.Generator) -> _Plan:
    radius = rng.uniform(0.30, 0.46) * CANVAS
    angle = rng.uniform(-15, 15)
    shift = (CANVAS / 2 - radius) * 0.6
    dx, dy = rng.uniform(-shift, shift, 2)
    colours = _PALETTE[rng.choice(len(_PALETTE), 2)] + rng.normal(0, 20, (2, 3))
    ramp_angle = rng.uniform(0, np.pi)
    blobs = []
    for _ in range(rng.integers(0, 4)):
        cy, cx, s = rng.uniform(0, CANVAS, 2).tolist() + [rng.uniform(8, 30)]
        blobs.append((cy, cx, s, rng.normal(0, 40, 3)))
    blur = rng.uniform(0, 2.0)
    brightness, cast = rng.uniform(0.55, 1.25), rng.uniform(0.9, 1.1, 3)
    noise = rng.normal(0, rng.uniform(0, 10), (SIZE, SIZE, 3))
    # The sign is drawn here, in order, so text rendering never runs on two threads at once.
    return _Plan(draw_sign(label, radius), angle, dx, dy, radius, colours, ramp_angle, tuple(blobs), blur,
                 brightness, cast, noise)


def _background(plan: _Plan) -> np.ndarray:
    """A CANVAS x CANVAS RGB float background: a two-colour gradient plus soft blotches."""
    a, b = plan.colours
    ramp = np.cos(plan.ramp_angle) * _T[None, :] + np.sin(plan.ramp_angle) * _T[:, None]
    ramp = (ramp - ramp.min()) / (np.ptp(ramp) + 1e-6)
    bg = a * (1 - ramp[..., None]) + b * ramp[..., None]
    for cy, cx, s, shade in plan.blobs:
        blob = np.exp(-((_YY - cy) ** 2 + (_XX - cx) ** 2) / (2 * s * s))
        bg += blob[..., None] * shade
    return bg


def _paint(plan: _Plan) -> tuple[np.ndarray, tuple[float, float, float]]:
    """The sample a plan describes: pure, so samples can be painted on several threads (Pillow's and
    numpy's heavy steps release the GIL)."""
    sign = plan.sign.rotate(plan.angle, resample=Image.BICUBIC)
    canvas = Image.fromarray(np.clip(_background(plan), 0, 255).astype(np.uint8)).convert("RGBA")
    canvas.alpha_composite(sign, (int(round(plan.dx)), int(round(plan.dy))))
    canvas = canvas.convert("RGB").filter(ImageFilter.GaussianBlur(plan.blur))
    small = np.asarray(canvas.resize((SIZE, SIZE), Image.LANCZOS), dtype=np.float32)
    # lighting: overall brightness, a colour cast, then sensor noise
    small = small * plan.brightness * plan.cast
    small += plan.noise
    scale = SIZE / CANVAS
    box = ((CANVAS / 2 + plan.dx) * scale, (CANVAS / 2 + plan.dy) * scale, plan.radius * scale)
    return np.clip(small, 0, 255).astype(np.uint8), box


def render(label: int, rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float]]:
    """One 32x32 uint8 RGB sample and its sign's (centre x, centre y, radius) in output pixels."""
    return _paint(_plan(label, rng))


def generate(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``per_class`` images of every class, shuffled: (images NHWC uint8, labels, boxes).

    The random draws are made in one fixed order (``_plan``), then the samples are painted on one
    thread per core, four at most (``_paint`` draws nothing): the same seed gives the same pixels on
    any number of cores."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.repeat(np.arange(len(SIGN_CLASSES)), per_class))
    samples = []
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        for start in range(0, len(labels), _CHUNK):  # a chunk's drawn signs at a time (64 KB each)
            plans = [_plan(int(label), rng) for label in labels[start : start + _CHUNK]]
            samples += pool.map(_paint, plans)
    images, boxes = zip(*samples)
    return np.stack(images), labels.astype(np.int64), np.asarray(boxes, dtype=np.float32)


def _cached(seed: int) -> Path:
    return cache_dir() / f"traffic-signs-v{VERSION}-seed{seed}.npz"


def _draw_all(seed: int) -> dict[str, np.ndarray]:
    # Train and test come from different streams of the same seed: no image is in both.
    start = time.perf_counter()
    x_tr, y_tr, b_tr = generate(TRAIN_PER_CLASS, seed * 2 + 1)
    x_te, y_te, b_te = generate(TEST_PER_CLASS, seed * 2 + 2)
    per_sign = (time.perf_counter() - start) / (len(y_tr) + len(y_te))
    atomic_write(_drawing_time(), lambda f: f.write(json.dumps({"seconds_per_sign": per_sign}).encode()))
    return dict(x_train=x_tr, y_train=y_tr, boxes_train=b_tr, x_test=x_te, y_test=y_te, boxes_test=b_te)


def _drawing_time() -> Path:
    return cache_dir() / f"traffic-signs-v{VERSION}-drawing-time.json"


def seconds_per_sign() -> float | None:
    """What drawing one sign took here the last time a set was drawn; None before any was."""
    try:
        return float(json.loads(_drawing_time().read_text())["seconds_per_sign"])
    except (OSError, ValueError, KeyError, TypeError):  # none yet, or a file from elsewhere: no figure
        return None


def still_to_draw(seed: int) -> str | None:
    """What loading ``seed``'s signs still takes on this machine, in words; None once they are drawn. The
    time is the last drawing's on this machine: before the first, no figure rather than a guess (the
    spinner counts the seconds)."""
    if _cached(seed).exists():
        return None
    count = len(SIGN_CLASSES) * (TRAIN_PER_CLASS + TEST_PER_CLASS)
    per_sign = seconds_per_sign()
    took = f": {about(count * per_sign)} on this server" if per_sign is not None else ""
    return f"The first time on this machine its {count:,} signs are drawn{took} (after that they are read in a blink)."


def load_traffic_signs(seed: int = 0) -> Dataset:
    """The generated set for ``seed``: drawn once per machine (``still_to_draw`` says how long), then read from an
    .npz. Two callers at once (the start-up warm-up and a user's first pick) draw it once: the second
    waits for the first (``made_once``), for ``PATIENCE_SECONDS`` at most."""
    arrays = made_once(_cached(seed), lambda: _draw_all(seed), patience=PATIENCE_SECONDS)
    return dataset_from_arrays(
        "traffic-signs", arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"], SIGN_CLASSES,
        DESCRIPTION, objects_train=arrays["boxes_train"], objects_test=arrays["boxes_test"],
    )


SPECS = (DatasetSpec("traffic-signs", "Traffic signs (offline)", DESCRIPTION, offline=True,
                     default_model="color-cnn", load=load_traffic_signs, first_load=still_to_draw),)
