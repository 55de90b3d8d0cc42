"""What every attack shares: the trigger contract, the colours and corners, and an attack's spec.

An attack is data plus a pure function. Each config dataclass knows how to stamp its trigger on
a batch (``cfg.apply(x)``) and where the trigger lives (``cfg.footprint``). Its settings carry
their own widget (``setting(...)``: label, range, help), so one generic form on the Poison page
draws any attack; an attack's ``AttackSpec`` is all the rest of the app needs to know about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Protocol

import torch

from backdoor.datasets import DATASETS

CORNERS = ("bottom-right", "bottom-left", "top-right", "top-left", "centre")
PATTERNS = ("checkerboard", "solid", "random")
COLOURS: dict[str, tuple[float, float, float]] = {
    "white": (1.0, 1.0, 1.0),
    "yellow": (1.0, 0.85, 0.0),
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 0.8, 0.0),
    "black": (0.0, 0.0, 0.0),
}
FOOTPRINT_FRACTION = 0.1  # an invisible trigger "lives" in the 10% of pixels it changes most


class Trigger(Protocol):
    """What every attack config provides: stamping, and where its trigger lives."""

    clean_label: bool  # poison only target-class images and keep every label
    uses_objects: bool  # placed on the photographed object: apply/apply_train/footprint take ``objects``

    def apply(self, x: torch.Tensor) -> torch.Tensor: ...
    def apply_train(self, x: torch.Tensor) -> torch.Tensor: ...
    def cover(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor | None: ...
    def footprint(self, x: torch.Tensor) -> torch.Tensor: ...
    @property
    def footprint_label(self) -> str: ...


class TriggerDefaults:
    """What most attacks share: the same trigger in training and at test time, labels
    flipped to the target, and no cover samples."""

    clean_label = False
    cover_ratio = 0.0
    uses_objects = False
    bounds: tuple[float, float] | None = (0.0, 1.0)  # where stamped values are clipped (None: nowhere)

    def apply_train(self, x: torch.Tensor) -> torch.Tensor:
        """The trigger as stamped on training images (SIG uses a fainter one)."""
        return self.apply(x)

    def cover(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor | None:
        """Images that keep their true label to make the trigger more exact (WaNet's noise mode)."""
        return None


@dataclass(frozen=True)
class Widget:
    """How a setting is drawn on the Poison page: a slider over ``low..high`` (by ``step``), or a
    choice among ``choices``. ``fit`` bounds ``high`` by the image (N/A for choices)."""

    label: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    help: str | None = None
    fit: Callable[[tuple[int, int, int]], Any] | None = None  # image shape (C, H, W) -> the largest value

    def highest(self, image_shape: tuple[int, int, int]):
        return self.high if self.fit is None else self.fit(image_shape)


def setting(default, label: str, **widget) -> Any:
    """A config field a student can change: its default, and the widget that changes it."""
    return field(default=default, metadata={"widget": Widget(label, **widget)})


def kept_in_link(default) -> Any:
    """A config field no widget draws (a drawing's pixels) that a page's link still carries, so a
    reload, or another server, rebuilds the same trigger."""
    return field(default=default, metadata={"in_link": True})


def widgets(config: type) -> list[tuple[str, Any, Widget]]:
    """(field name, default, widget) of every setting of a config class, in field order."""
    return [(f.name, f.default, f.metadata["widget"]) for f in fields(config) if "widget" in f.metadata]


def placed(trigger: Trigger, objects: torch.Tensor | None) -> dict[str, torch.Tensor]:
    """The keyword telling a trigger where each image's object sits (see ``Dataset.objects_train``),
    for the triggers that use it; empty for the rest, or when nobody knows."""
    return {"objects": objects} if objects is not None and trigger.uses_objects else {}


def colour_planes(colour: str, channels: int) -> torch.Tensor:
    """The named colour as one value per channel; greyscale takes the luminance."""
    r, g, b = COLOURS[colour]
    if channels == 1:
        return torch.tensor([0.299 * r + 0.587 * g + 0.114 * b])
    return torch.tensor([r, g, b][:channels])


def largest_change(trigger: Trigger, x: torch.Tensor, fraction: float = FOOTPRINT_FRACTION) -> torch.Tensor:
    """Boolean (H, W) map of the ``fraction`` of pixels the trigger changes most, on average over ``x``."""
    change = (trigger.apply(x).clamp(0, 1) - x).abs().mean(dim=(0, 1))
    k = max(1, int(round(fraction * change.numel())))
    threshold = change.flatten().topk(k).values[-1]
    return change >= threshold


@dataclass(frozen=True)
class AttackSpec:
    """One attack as the app knows it: names, paper, its config class, and where it fits.

    ``all_to_all_row``: the matrix also shows it all-to-all (class y to y + 1). ``matrix_row``: False
    keeps it out of the attack x defense matrix and the instant grid (a student's own drawing has no
    default worth a row).
    ``note``: a sentence the Poison page shows beside its settings. ``invisible``: made to pass
    unnoticed by eye (the second round of the Poison page's "Can you spot it?" plays it).
    ``cover``: for an attack that also alters images it leaves labelled true (``cover_ratio``), what
    they got, ending "Another 400 images ..." on the Poison page."""

    name: str
    title: str
    summary: str
    paper: str
    config: Callable[..., Trigger]
    short_title: str = ""  # its row in the matrix (default: the title)
    default_rate: float = 0.1  # the poison rate this attack needs on mnist-5k (see RESULTS.md)
    datasets: tuple[str, ...] = ()  # the data sets it makes sense on (empty: all of its modalities)
    all_to_all_row: bool = False
    matrix_row: bool = True
    note: str = ""
    modalities: tuple[str, ...] = ("image",)  # the kinds of data it stamps a trigger on
    invisible: bool = False
    cover: str = "were altered too but kept their true label"

    def fits(self, dataset: str) -> bool:
        modality = DATASETS[dataset].modality if dataset in DATASETS else "image"
        return modality in self.modalities and (not self.datasets or dataset in self.datasets)

    @property
    def row_title(self) -> str:
        return self.short_title or self.title
