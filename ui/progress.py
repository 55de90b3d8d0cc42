"""A progress bar for any library call that reports ``on_progress(done, total, info)``, with
the time left extrapolated from the time so far."""

from __future__ import annotations

import time

import streamlit as st

from backdoor.estimates import time_left


def with_time_left(text: str, elapsed: float, fraction: float) -> str:
    """The bar's text, and "(about 12 s left)" once the time so far says enough."""
    left = time_left(elapsed, fraction)
    return f"{text} ({left})" if left else text


class ProgressBar:
    """A Streamlit progress bar fed by a library callback, redrawn a few times a second."""

    def __init__(self, text: str = "Starting..."):
        self.bar = st.progress(0.0, text=text)
        self._last = 0.0
        self._start = time.perf_counter()

    def __call__(self, done: int, total: int, info) -> None:
        now = time.perf_counter()
        if now - self._last < 0.25 and done < total:
            return
        self._last = now
        fraction = min(done / total, 1.0) if total else 1.0
        self.bar.progress(fraction, text=with_time_left(str(info), now - self._start, fraction))

    def say(self, text: str) -> None:
        """Words on the bar before the work starts (a place in the queue)."""
        self.bar.progress(0.0, text=text)

    def empty(self) -> None:
        self.bar.empty()
