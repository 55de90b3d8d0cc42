"""Arrays made once per machine: the first caller makes and saves them, every later one reads the file.

A generated data set (the traffic signs) takes a while to make the first time. Two callers at once, say
the start-up warm-up and a user's first pick of the data set, or two servers sharing one cache folder,
would each make the same arrays, each at half speed on a 2-core machine. Here the second one waits for
the first and then reads what it saved. Waiting is a lock on a file beside the arrays (``flock``: it
holds across threads and processes, and the system lets it go if the holder dies); where there is no
``flock`` (Windows) a lock per process still keeps one server's threads from making the arrays twice.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from backdoor.datasets.base import save_arrays

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

Arrays = dict[str, np.ndarray]
_GUARD = threading.Lock()
_LOCKS: dict[Path, threading.Lock] = {}


def read_arrays(path: Path) -> Arrays:
    """Every array of an .npz, read into memory."""
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    with _GUARD:
        lock = _LOCKS.setdefault(path, threading.Lock())
    with lock:
        if fcntl is None:
            yield
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def made_once(path: Path, make: Callable[[], Arrays], compress: bool = True) -> Arrays:
    """The arrays saved at ``path``; if there are none yet, ``make()`` them and save them (atomically)
    first. Callers at the same time wait for the one making them, then read its file.

    Example::

        arrays = made_once(cache_dir() / "signs-seed0.npz", lambda: {"x": draw_all(seed=0)})
    """
    if path.exists():
        return read_arrays(path)
    with _exclusive(path):
        if path.exists():  # made while this caller waited
            return read_arrays(path)
        arrays = make()
        save_arrays(path, compress, **arrays)
        return arrays
