"""How long the server takes to draw each page: one JSON line per script run, when asked.

A student's wait for a page has two parts: the server running the page's script, and the
student's browser drawing what it sent. On a laptop in class the browser is the student's own;
in the load benchmark all the browsers share the server's cores. This log is the server's part
alone, for an operator sizing a server and for ``benchmarks/load.py``.

Off unless ``BACKDOOR_LAB_PAGE_TIMES`` names a file; then every run appends
``{"session", "page", "started", "seconds", "ended"}``, where ``ended`` is ``"drawn"`` for a run
that finished, or the name of what stopped it (Streamlit ends a run that a newer click replaces
by raising inside it).
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from typing import Iterator

PAGE_TIMES = "BACKDOOR_LAB_PAGE_TIMES"
_write = threading.Lock()  # one server, many sessions' threads, one file


def session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


@contextmanager
def timed(page: str, started: float) -> Iterator[None]:
    """Log the run of ``page`` that began at ``started`` (``time.perf_counter()``), however it ends."""
    path = os.environ.get(PAGE_TIMES)
    if not path:
        yield
        return
    ended = "drawn"
    try:
        yield
    except BaseException as stop:  # a rerun or st.stop() ends a run by raising; it is still a run
        ended = type(stop).__name__
        raise
    finally:
        seconds = time.perf_counter() - started
        line = json.dumps({"session": session_id(), "page": page, "started": round(time.time() - seconds, 3),
                           "seconds": round(seconds, 4), "ended": ended})
        with _write, open(path, "a", encoding="utf-8") as log:
            log.write(line + "\n")


def read(path) -> list[dict]:
    """The runs logged in ``path`` (a line cut off by a crash is skipped)."""
    runs = []
    with open(path, encoding="utf-8") as log:
        for line in log:
            try:
                runs.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return runs
