"""Unit costs a server measured on a quiet machine, kept in ``<cache>/unit-costs.json`` so that a
restarted server (an instructor restarting before class, a second replica on the same host) shows
its times at once instead of spending a minute of both cores measuring them again.

A figure is reused only by the same machine running the same code: the file is stamped with the
processor, its core count, torch's version and thread count, and a hash of the library and model
sources; a stamp that differs, a figure older than ``MAX_AGE_HOURS`` (a host's speed drifts from
day to day) or an unreadable file are ignored, and the server measures as if none were there.
Figures taken while the machine was busy are never written.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from functools import lru_cache
from pathlib import Path

import torch

from backdoor.datasets import atomic_write, cache_dir

MAX_AGE_HOURS = 12.0
ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("backdoor", "models")  # the code whose speed the figures measure


def _path() -> Path:
    return cache_dir() / "unit-costs.json"


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@lru_cache(maxsize=1)
def _code_hash() -> str:
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stamp() -> dict:
    """What a figure depends on besides its key: this machine and this code."""
    return {"processor": _processor(), "cores": os.cpu_count(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "code": _code_hash()}


def _fresh(entry: dict, now: float) -> bool:
    return 0 <= now - float(entry["when"]) <= MAX_AGE_HOURS * 3600


def load(now: float | None = None) -> dict[str, float]:
    """The figures this machine measured quietly with this code in the last ``MAX_AGE_HOURS``
    (by the ``repr`` of their key); empty when there are none or the file cannot be trusted."""
    now = time.time() if now is None else now
    try:
        data = json.loads(_path().read_text())
        if data.get("stamp") != stamp():
            return {}
        return {key: float(entry["seconds"]) for key, entry in data["figures"].items()
                if _fresh(entry, now) and float(entry["seconds"]) > 0}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def save(figures: dict[str, tuple[float, float]], now: float | None = None) -> None:
    """Add ``figures`` (quiet measurements by the ``repr`` of their key: seconds, and when they were
    taken in epoch seconds) to the file, keeping the others still fresh; a file from another machine
    or other code is replaced. A cache that cannot be written is let be (the figures are a shortcut)."""
    if not figures:
        return
    now = time.time() if now is None else now
    try:
        data = json.loads(_path().read_text())
        kept = data["figures"] if data.get("stamp") == stamp() else {}
        kept = {key: entry for key, entry in kept.items() if _fresh(entry, now)}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        kept = {}
    kept.update({key: {"seconds": seconds, "when": when} for key, (seconds, when) in figures.items()})
    text = json.dumps({"stamp": stamp(), "figures": kept}, indent=0).encode()
    try:
        atomic_write(_path(), lambda f: f.write(text))
    except OSError:  # a cache that cannot be written: the next start measures again, nothing else is lost
        pass
