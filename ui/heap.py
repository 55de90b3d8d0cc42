"""Keep Python's full garbage collections short on a long-running server.

A lab server holds hundreds of thousands of long-lived objects, most of them made by importing
torch, plotly, captum and Streamlit. CPython's full collection walks every one of them, and it ran on
nearly every move of the instant panel's slider, about 270 ms each time on this 2-core machine
(measured with ``gc.callbacks``), longer than the whole rest of the answer. ``gc.freeze()`` moves
everything alive into a generation the collector never walks again (the remedy CPython documents for
long-lived servers); objects made later are collected as usual. It runs after a page run that
imported modules (the first visit of each kind of page), so it happens a handful of times per server,
and what was garbage already is collected first, so nothing dead is kept.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules = 0  # how many modules were imported at the last freeze


def freeze_long_lived() -> bool:
    """Freeze what is alive now if modules were imported since the last time; returns whether it froze."""
    global _modules
    with _lock:
        if len(sys.modules) == _modules:
            return False
        _modules = len(sys.modules)
        gc.collect()
        gc.freeze()
        return True
