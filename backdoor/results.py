"""Small computed results kept beside the models in the on-disk store: the matrix and the sweeps.

The model store is the folder replicas share and a restart keeps, so a result computed once
(or by ``make warm`` before class) is opened by every server instead of being computed again.
Each result is a JSON file named by a hash of everything that decides it, written atomically
(a reader never sees half a file); a damaged or unreadable file counts as missing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from backdoor.datasets import atomic_write
from backdoor.store import VERSION, store_dir


def results_dir() -> Path:
    return store_dir() / "results"


def result_path(kind: str, key: Any) -> Path:
    """Where the result of ``kind`` ("sweep", ...) for ``key`` (anything with a faithful repr) lives."""
    digest = hashlib.sha256(f"v{VERSION}:{key!r}".encode()).hexdigest()[:24]
    return results_dir() / kind / f"{digest}.json"


def load_result(kind: str, key: Any) -> Any | None:
    try:
        return json.loads(result_path(kind, key).read_text())
    except (OSError, ValueError):
        return None


def save_result(kind: str, key: Any, value: Any) -> Path:
    path = result_path(kind, key)
    atomic_write(path, lambda f: f.write(json.dumps(value, indent=1).encode()))
    return path
