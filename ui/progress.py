"""A progress bar for any library call that reports ``on_progress(done, total, info)``."""

from __future__ import annotations

import time

import streamlit as st


class ProgressBar:
    """A Streamlit progress bar fed by a library callback, redrawn a few times a second."""

    def __init__(self, text: str = "Starting..."):
        self.bar = st.progress(0.0, text=text)
        self._last = 0.0

    def __call__(self, done: int, total: int, info) -> None:
        now = time.perf_counter()
        if now - self._last < 0.25 and done < total:
            return
        self._last = now
        self.bar.progress(min(done / total, 1.0) if total else 1.0, text=str(info))

    def empty(self) -> None:
        self.bar.empty()
