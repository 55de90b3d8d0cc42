"""A small thread-safe LRU memo that computes each key once, even under concurrent asks.

Streamlit's ``st.cache_resource`` replays any UI calls a cached function made, so a
function that draws a live progress bar cannot be cached by it directly. The app keeps
one ``SharedMemo`` inside ``st.cache_resource`` instead: a classroom of identical
settings trains once (the second asker waits for the first), the memo never holds more
than ``max_entries`` results, and nothing is stored when the computation fails or is
interrupted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

from backdoor.busy import WORK

T = TypeVar("T")


class SharedMemo(Generic[T]):
    def __init__(self, max_entries: int = 8):
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable) -> T | None:
        """The stored value for ``key`` (marking it recently used), or None."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            return None

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._values

    def is_busy(self, key: Hashable) -> bool:
        """True while some caller is computing ``key``."""
        with self._lock:
            lock = self._key_locks.get(key)
        return lock is not None and lock.locked()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key``, computing it with ``compute()`` only if nobody has."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            found = self.get(key)
            if found is not None:
                return found
            with WORK.running():  # the measurements of unit costs see it (backdoor.busy.PageWork)
                value = compute()
            with self._lock:
                self._values[key] = value
                self._values.move_to_end(key)
                while len(self._values) > self.max_entries:
                    evicted, _ = self._values.popitem(last=False)
                    self._key_locks.pop(evicted, None)
            return value
