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
from ui.waiting import in_line, job, record


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


def offer_job(label: str, key: str, what: str, estimate: Estimate | Callable[[], Estimate],
              compute: Callable[[ProgressBar], T], *,
              memo: SharedMemo | None = None, memo_key: Hashable = None, failure: str = "",
              on_done: Callable[[T], None] | None = None, start: str = "Starting...", stop: str = "",
              measured: Callable[[T], Estimate | None] | None = None, settings: Hashable = None,
              **button) -> None:
    """A button that runs ``compute(progress)`` as the heavy job ``what``, then redraws the page.

    With ``memo`` the result is kept under ``memo_key`` for everyone. What the job took is recorded
    against ``estimate`` when it ran here, not in another session (``measured(result)`` may name
    the estimate it answers instead, or None). ``stop``: the label of a Stop button shown while the
    job runs; a click interrupts it and keeps nothing. A failure's explanation (after ``failure``)
    stays until ``settings`` (default: ``memo_key``) change. ``estimate`` may be a function, called
    on the click: a page whose estimate is not measured yet (``ui.waiting.estimate_now``) measures it
    only for the student who starts the job. Returns only when the button was not pressed or the
    job failed: the caller then stops drawing what needs the result."""
    failed_key, settings_id = f"{key}.failed", repr(memo_key if settings is None else settings)
    stop_key = f"{key}.stop"
    stopped = bool(stop) and st.session_state.get(stop_key)  # the Stop button of the run it interrupted
    if not st.button(label, key=key, **button):
        if stopped:
            st.warning(f"{what[:1].upper()}{what[1:]} stopped. Nothing was kept; press **{label}** to start again.",
                       icon=":material/stop_circle:")
        failed = st.session_state.get(failed_key)
        if failed is not None and failed[0] == settings_id:
            st.error(failed[1], icon=":material/error:")
        else:
            st.session_state.pop(failed_key, None)  # other settings now: the explanation no longer applies
        return
    st.session_state.pop(failed_key, None)
    bar = ProgressBar(start)
    if callable(estimate):
        estimate = estimate()
    if stop:
        stopper = st.empty()  # the Stop button lives only while the run does
        stopper.button(stop, key=stop_key, icon=":material/stop:",
                       help="Stops at once. Nothing from a stopped run is kept.")
    finished = []  # the job, when it ran here rather than in another session

    def run() -> T:  # takes a place in the server's queue only when it really computes
        with job(what, estimate.seconds, on_wait=lambda standing: bar.say(in_line(standing))) as running:
            result = compute(bar)
        finished.append(running)
        return result

    try:
        result = run() if memo is None else memo.get_or_compute(memo_key, run)
    except (TrainingDiverged, ValueError) as error:
        bar.empty()
        if stop:
            stopper.empty()
        st.session_state[failed_key] = (settings_id, f"{failure}{error}")
        st.error(f"{failure}{error}", icon=":material/error:")
        return
    answered = (measured(result) if measured is not None else estimate) if finished else None
    if answered is not None:
        record(answered, finished[0])
    bar.empty()
    if on_done is not None:
        on_done(result)
    st.rerun()  # redraw without the button and its caption
