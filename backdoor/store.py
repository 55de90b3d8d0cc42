"""An on-disk store of trained models: weights only, addressed by the configuration's hash.

Each entry is two files named by a SHA-256 of the full configuration (the scenario, or
its clean baseline, and the code's version): ``<hash>.pt``, a plain ``state_dict`` of
tensors read back with ``torch.load(weights_only=True)`` so a tampered file can never run
code, and ``<hash>.json`` with the training history, the seconds training took and the
device it ran on (so a page can say how long a stored model took). The app looks here before training,
``python -m backdoor.prepare`` fills it before a class, and several servers can share one
folder (``BACKDOOR_LAB_STORE``): entries are written atomically and never changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import torch

from backdoor.datasets import atomic_write, cache_dir
from backdoor.scenario import Scenario, train_model
from backdoor.train import EpochRecord, TrainResult
from models import build_model

VERSION = 3  # bump when a change to training would give different weights or figures for the same settings


def store_dir() -> Path:
    """Where models are kept (``BACKDOOR_LAB_STORE`` overrides, for a folder shared by servers)."""
    override = os.environ.get("BACKDOOR_LAB_STORE")
    return Path(override) if override else cache_dir() / "models"


def trained_scenario(scenario: Scenario, kind: str) -> Scenario:
    """What a model of this kind was trained on: the baseline ignores the attack."""
    if kind not in ("backdoored", "baseline"):
        raise ValueError(f"Unknown model kind {kind!r}.")
    return scenario.baseline() if kind == "baseline" else scenario


def model_hash(scenario: Scenario, kind: str) -> str:
    text = repr((VERSION, kind, trained_scenario(scenario, kind)))
    return hashlib.sha256(text.encode()).hexdigest()


def save_model(scenario: Scenario, kind: str, result: TrainResult) -> Path:
    """Store a finished (not cancelled) training run; returns the weights' path."""
    if result.cancelled:
        raise ValueError("A cancelled run is never stored.")
    base = store_dir() / model_hash(scenario, kind)
    state = {k: v.detach().cpu() for k, v in result.model.state_dict().items()}
    meta = {"kind": kind, "scenario": repr(trained_scenario(scenario, kind)), "seconds": result.seconds,
            "trained_on": result.trained_on, "history": [asdict(r) for r in result.history]}
    atomic_write(base.with_suffix(".pt"), lambda f: torch.save(state, f))
    atomic_write(base.with_suffix(".json"), lambda f: f.write(json.dumps(meta, indent=1).encode()))
    return base.with_suffix(".pt")


def load_model(scenario: Scenario, kind: str, image_shape: tuple[int, int, int], num_classes: int,
               device: torch.device | str = "cpu") -> TrainResult | None:
    """The stored model for these settings, or None (missing, damaged, or not plain weights)."""
    base = store_dir() / model_hash(scenario, kind)
    weights, meta_path = base.with_suffix(".pt"), base.with_suffix(".json")
    if not (weights.exists() and meta_path.exists()):
        return None
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        meta = json.loads(meta_path.read_text())
        model = build_model(trained_scenario(scenario, kind).model, image_shape, num_classes)
        model.load_state_dict(state)
    except Exception:  # noqa: BLE001 - any unreadable entry is treated as absent, never trusted
        return None
    result = TrainResult(model.to(device).eval(), from_store=True)
    result.history = [EpochRecord(**r) for r in meta["history"]]
    result.seconds = float(meta["seconds"])
    result.trained_on = str(meta.get("trained_on", ""))  # entries stored before it was recorded lack it
    return result


def load_weights(store_id: str, architecture: str, image_shape: tuple[int, int, int], num_classes: int,
                 device: torch.device | str = "cpu") -> torch.nn.Module | None:
    """The stored model ``store_id`` (a :func:`model_hash`) as ``architecture``, or None."""
    if len(store_id) != 64 or any(c not in "0123456789abcdef" for c in store_id):
        return None  # never a path from outside the store
    weights = store_dir() / f"{store_id}.pt"
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        model = build_model(architecture, image_shape, num_classes)
        model.load_state_dict(state)
    except Exception:  # noqa: BLE001 - missing or unreadable: absent, never trusted
        return None
    return model.to(device).eval()


def is_stored(scenario: Scenario, kind: str) -> bool:
    """Whether the store has this model (without reading it)."""
    base = store_dir() / model_hash(scenario, kind)
    return base.with_suffix(".pt").exists() and base.with_suffix(".json").exists()


def load_or_train(dataset, scenario: Scenario, kind: str, device: torch.device | str = "cpu",
                  on_progress=None, should_stop=lambda: False) -> TrainResult:
    """The stored model of this kind for these settings, else trained now and stored, so every
    page, the matrix, the sweep and ``make warm`` share one model (and one set of figures) per
    configuration. A run stopped by ``should_stop()`` comes back cancelled and is not stored."""
    stored = load_model(scenario, kind, dataset.image_shape, dataset.num_classes, device)
    if stored is not None:
        return stored
    result = train_model(dataset, trained_scenario(scenario, kind), device, on_progress, should_stop,
                         measure_asr=kind == "backdoored")
    if not result.cancelled:
        save_model(scenario, kind, result)
    return result
