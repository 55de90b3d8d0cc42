"""Waiting in tests on a condition, never on the clock: ``wait_until(lambda: ..., 5, "what")``.

A fixed ``sleep`` is a guess about how fast the machine is; it makes a test slow where it
guesses long and flaky where it guesses short. Poll the condition itself instead.
"""

from __future__ import annotations

import time
from typing import Callable

POLL_SECONDS = 0.005


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Return as soon as ``condition()`` is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_SECONDS)  # the polling interval, not a guess at how long anything takes
