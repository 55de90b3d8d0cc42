"""What finished jobs took on this machine, remembered across restarts in ``<cache>/timings.json``.

An estimate for the very same job prefers what it took when it last ran alone (``recorded``);
a new job of a kind is corrected by how much longer the last ones of that kind took than their
count of unit costs said (``recorded_factor``: the app's own overheads around a job, learnt).
Only jobs that ran alone are remembered (``record``): a job slowed by another says nothing of its cost.
"""

from __future__ import annotations

import json
import statistics
import threading
import time

from backdoor.busy import RunningJob
from backdoor.datasets import atomic_write, cache_dir

RECORDS_KEPT = 400  # finished jobs remembered in timings.json
FACTOR_JOBS = 5  # the latest finished jobs of a kind that correct its new estimates
# A job that finished in under a quarter of its count skipped work the count included (its models
# were in the store after all): it says nothing of the app's overheads, so it corrects nothing.
SKIPPED_WORK = 0.25

_records_lock = threading.Lock()


def _records_path():
    return cache_dir() / "timings.json"


def read_records() -> dict:
    """The finished jobs remembered on this machine (``timings.json``), oldest first."""
    try:
        data = json.loads(_records_path().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def record(signature: str, estimated: float, job: RunningJob) -> None:
    """Remember what a finished job took (only jobs that ran alone say what a job costs)."""
    if not job.alone:
        return
    with _records_lock:
        records = read_records()
        records.pop(signature, None)
        records[signature] = {"seconds": round(job.seconds, 3), "estimated": round(estimated, 3),
                              "when": time.strftime("%Y-%m-%dT%H:%M:%S")}
        while len(records) > RECORDS_KEPT:
            records.pop(next(iter(records)))
        text = json.dumps(records, indent=0).encode()
        atomic_write(_records_path(), lambda f: f.write(text))


def recorded_factor(kind: str, records: dict | None = None) -> float | None:
    """How much longer (above 1) or shorter the last few jobs of this kind took, when they ran
    alone here, than their count of measured unit costs said: what the app adds around a job
    (drawing its progress, the page around it), learnt on this machine. None before any job
    of the kind has finished alone. A job far quicker than its count (``SKIPPED_WORK``) is passed over."""
    prefix = f"({kind!r}, "
    ratios: list[float] = []
    for signature, entry in reversed(list((read_records() if records is None else records).items())):
        if not signature.startswith(prefix):
            continue
        try:
            ratio = float(entry["seconds"]) / float(entry["estimated"])
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            continue
        if not ratio >= SKIPPED_WORK:
            continue
        ratios.append(ratio)
        if len(ratios) == FACTOR_JOBS:
            break
    return statistics.median(ratios) if ratios else None


def recorded(signature: str, records: dict | None = None) -> float | None:
    """Seconds the same job took when it last ran alone on this machine, if it has."""
    entry = (read_records() if records is None else records).get(signature)
    try:
        return float(entry["seconds"]) if entry else None
    except (KeyError, TypeError, ValueError):
        return None
