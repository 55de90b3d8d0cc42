"""The first epoch's loss drawn batch by batch, so a training run moves on screen within a second.

Epoch curves (``ui.charts.training_curves``) get their first point only when an epoch ends, which
on a busy 2-core server is 10 seconds or more after the click. This curve takes each batch's
running loss from the training loop's progress callback and redraws about once a second. It is a
small inline SVG, not a plotly chart: a class of browsers redrawing a plotly figure several times a
second, on the same few cores as the server, slowed every training in the room.
"""

from __future__ import annotations

import html
import time
from typing import Callable

from backdoor.kinds import LABELS
from backdoor.train import Progress
from ui.charts import COLOURS

REDRAW_SECONDS = 1.0  # at most this often: every redraw ships the picture to the browser
WIDTH, HEIGHT, PAD = 600, 150, 6  # the drawing's own units (it scales to the page's width)
DASHES = {"backdoored": "8 5", "baseline": ""}  # told apart by dashes and names, never by colour alone


def description(points: dict[str, list[tuple[int, float]]], batches: int, names: dict[str, str] = LABELS) -> str:
    """The curve in words, for a screen reader and for the caption (``names``: each kind's label)."""
    return "First epoch, live. " + readings(points, batches, names)


def readings(points: dict[str, list[tuple[int, float]]], batches: int, names: dict[str, str] = LABELS) -> str:
    """Each model's first and latest loss, in words."""
    parts = []
    for kind, xy in points.items():
        (first_batch, first), (last_batch, last) = xy[0], xy[-1]
        parts.append(f"{names[kind]}: loss {first:.2f} after batch {first_batch}"
                     + (f", {last:.2f} after batch {last_batch} of {batches}" if last_batch != first_batch else f" of {batches}"))
    return "; ".join(parts) + "."


def batch_svg(points: dict[str, list[tuple[int, float]]], batches: int, names: dict[str, str] = LABELS) -> str:
    """The running mean loss after each batch of the first epoch, one named line per model kind."""
    top = max((loss for xy in points.values() for _, loss in xy), default=1.0) or 1.0

    def xy(batch: int, loss: float) -> str:
        x = PAD + (WIDTH - 2 * PAD) * batch / max(batches, 1)
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * max(loss, 0.0) / top
        return f"{x:.1f},{y:.1f}"

    lines = []
    for kind, xys in points.items():
        dash = f' stroke-dasharray="{DASHES[kind]}"' if DASHES[kind] else ""
        end = xy(*xys[-1]).split(",")
        lines.append(f'<polyline fill="none" stroke="{COLOURS[kind]}" stroke-width="2.5"{dash} '
                     f'points="{" ".join(xy(b, loss) for b, loss in xys)}"/>'
                     f'<text x="{min(float(end[0]) + 4, WIDTH - 130):.1f}" y="{float(end[1]) - 6:.1f}" '
                     f'font-size="13" fill="#111">{html.escape(names[kind])}</text>')
    said = html.escape(description(points, batches, names)) if points else "First epoch, live: no batch yet."
    shown = html.escape(readings(points, batches, names)) if points else "No batch yet."
    return (f'<figure style="margin:0"><svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
            f'aria-label="{said}" style="max-height:{HEIGHT}px;border-left:1px solid #999;border-bottom:1px solid #999">'
            + "".join(lines) + '</svg><figcaption style="font-size:0.85rem">'
            f'First epoch, live: the training loss after each batch (down is learning). {shown}</figcaption></figure>')


class BatchCurve:
    """Feed it every progress report; it redraws ``where`` (an ``st.empty()``) during the first epoch."""

    def __init__(self, where, redraw_seconds: float = REDRAW_SECONDS, clock: Callable[[], float] = time.perf_counter,
                 names: dict[str, str] = LABELS):
        self.where, self.redraw_seconds, self.clock, self.names = where, redraw_seconds, clock, names
        self.points: dict[str, list[tuple[int, float]]] = {}
        self.drawn = 0
        self._last = float("-inf")

    def __call__(self, kind: str, info: Progress) -> None:
        if info.epoch != 1 or info.record is not None:
            return
        self.points.setdefault(kind, []).append((info.batch, info.loss))
        now = self.clock()
        if now - self._last < self.redraw_seconds and info.batch < info.batches:
            return
        self._last = now
        self.drawn += 1
        self.where.html(batch_svg(self.points, info.batches, self.names))
