"""Arrays made once per machine: the first caller makes and saves them, every later one reads the file.

A generated data set (the traffic signs) takes a while to make the first time. Two callers at once, say
the start-up warm-up and a user's first pick of the data set, or two servers sharing one cache folder,
would each make the same arrays, each at half speed on a 2-core machine. Here the second one waits for
the first and then reads what it saved. Waiting is a lock on a file beside the arrays (``flock``: it
holds across threads and processes, and the system lets it go if the holder dies); where there is no
``flock`` (Windows) a lock per process still keeps one server's threads from making the arrays twice.

Making them is heavy work outside the job queue, registered as ``backdoor.busy.WORK``: a unit cost timed
on another thread meanwhile is known to be busy and timed again once the machine is quiet. Without it, a
training step timed at start-up while a user's first pick drew the signs read 0.14 s instead of 0.034 s,
was kept as a quiet figure, and every estimate on that server (and, through ``unit-costs.json``, on its
restarts for 12 hours) read three to four times too long: "about 32 minutes" for a 10-minute matrix.

A caller can bound its wait (``patience``): the one making the arrays may be slow for a reason of its
own (the warm-up draws at low priority, so a class's training starves it), and then the waiting caller
makes them too, at its own priority. Both write the same arrays; the file is replaced atomically.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from backdoor.busy import WORK
from backdoor.datasets.base import save_arrays

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

Arrays = dict[str, np.ndarray]
_GUARD = threading.Lock()
_LOCKS: dict[Path, threading.Lock] = {}
POLL_SECONDS = 0.1  # how often a caller with limited patience tries the file lock again


def read_arrays(path: Path) -> Arrays:
    """Every array of an .npz, read into memory."""
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _flock(handle, deadline: float | None) -> bool:
    if deadline is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return True
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)


@contextmanager
def _exclusive(path: Path, patience: float | None) -> Iterator[bool]:
    """Holds the arrays' lock while inside; yields False, holding nothing, once ``patience`` has run out."""
    deadline = None if patience is None else time.monotonic() + patience
    with _GUARD:
        lock = _LOCKS.setdefault(path, threading.Lock())
    if not lock.acquire(timeout=-1 if patience is None else patience):
        yield False
        return
    try:
        if fcntl is None:
            yield True
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "a+b") as handle:
            if not _flock(handle, deadline):
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        lock.release()


def made_once(path: Path, make: Callable[[], Arrays], compress: bool = True, patience: float | None = None) -> Arrays:
    """The arrays saved at ``path``; if there are none yet, ``make()`` them and save them (atomically)
    first. Callers at the same time wait for the one making them, then read its file; one that has
    waited ``patience`` seconds (None: as long as it takes) makes them itself.

    Example::

        arrays = made_once(cache_dir() / "signs-seed0.npz", lambda: {"x": draw_all(seed=0)})
    """
    if path.exists():
        return read_arrays(path)
    with _exclusive(path, patience):
        if path.exists():  # made while this caller waited
            return read_arrays(path)
        with WORK.running():  # the cores are taken: measurements beside it know (module docstring)
            arrays = make()
            save_arrays(path, compress, **arrays)
        return arrays
