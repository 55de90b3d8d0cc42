"""One pattern for every heavy job a page offers: a button, a progress bar, a result shared by
the whole server, and a redraw without the button once it is done.

Results live in server-wide memos (``shared_memo``): a class with the same settings computes
each one once, and a second student who asks while it runs waits for the first.
"""

from __future__ import annotations

import threading
from typing import Callable, Hashable, TypeVar

import streamlit as st

from backdoor.estimates import Estimate
from backdoor.memo import SharedMemo
from backdoor.train import TrainingDiverged
from ui.progress import ProgressBar
from ui.waiting import job, record


T = TypeVar("T")
_LOCK = threading.Lock()


@st.cache_resource(max_entries=1, show_spinner=False)
def _memos() -> dict[str, SharedMemo]:
    return {}


def shared_memo(kind: str, max_entries: int) -> SharedMemo:
    """This server's one memo of a kind of result ("models", "sweeps", "matrices", ...)."""
    memos = _memos()
    with _LOCK:
        if kind not in memos:
            memos[kind] = SharedMemo(max_entries)
        return memos[kind]


def offer_job(label: str, key: str, what: str, estimate: Estimate, compute: Callable[[ProgressBar], T], *,
              memo: SharedMemo | None = None, memo_key: Hashable = None, failure: str = "",
              on_done: Callable[[T], None] | None = None, start: str = "Starting...", **button) -> None:
    """A button that runs ``compute(progress)`` as the heavy job ``what``, then redraws the page.

    With ``memo`` the result is kept under ``memo_key`` for everyone. What the job took is recorded
    against ``estimate`` (the next estimate of the same job learns from it). Returns only when the
    button was not pressed or the job failed (its explanation shown, after ``failure``): the caller
    then stops drawing what needs the result."""
    if not st.button(label, key=key, **button):
        return
    bar = ProgressBar(start)
    try:
        with job(what) as running:
            result = compute(bar) if memo is None else memo.get_or_compute(memo_key, lambda: compute(bar))
    except (TrainingDiverged, ValueError) as error:
        bar.empty()
        st.error(f"{failure}{error}")
        return
    record(estimate, running)
    bar.empty()
    if on_done is not None:
        on_done(result)
    st.rerun()  # redraw without the button and its caption
