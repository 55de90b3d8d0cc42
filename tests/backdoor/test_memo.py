"""The shared memo computes each key once, evicts the least recent and stores no failure."""

import inspect
import sys
import threading

import pytest

from backdoor.memo import SharedMemo
from waiting import wait_until

_SOURCE, _FIRST = inspect.getsourcelines(SharedMemo.get_or_compute)
# the line where a second caller of a key waits for the first one's computation
KEY_LOCK_LINE = next((_FIRST + i for i, line in enumerate(_SOURCE) if line.strip() == "with key_lock:"), None)


def _waiting_for_the_key(thread: threading.Thread) -> bool:
    """``thread`` stands at ``with key_lock:`` in ``get_or_compute`` while that lock is held."""
    frame = sys._current_frames().get(thread.ident)
    return (frame is not None and frame.f_code is SharedMemo.get_or_compute.__code__
            and frame.f_lineno == KEY_LOCK_LINE and frame.f_locals["key_lock"].locked())


def test_memo_computes_each_key_once_under_concurrency():
    memo, calls, results = SharedMemo(max_entries=4), [], []
    computing, release = threading.Event(), threading.Event()

    def first():
        calls.append("first")
        computing.set()
        release.wait(10)  # holds the computation until every other caller has arrived
        return object()

    def another():  # called only if the memo let a second caller compute the same key
        calls.append("another")
        release.set()
        return object()

    def ask(compute):
        return threading.Thread(target=lambda: results.append(memo.get_or_compute("k", compute)))

    threads = [ask(first)]
    threads[0].start()
    wait_until(computing.is_set, 5, "the first caller computing")
    for _ in range(5):
        threads.append(ask(another))
        threads[-1].start()
    # each later caller has certainly arrived while the first computes: it waits for it, or computes itself
    wait_until(lambda: "another" in calls or all(_waiting_for_the_key(t) for t in threads[1:]), 5,
               "the other callers waiting for the first")
    release.set()
    for t in threads:
        t.join()
    assert calls == ["first"] and len(results) == 6 and len({id(r) for r in results}) == 1


def test_memo_evicts_least_recent_and_never_stores_failures():
    memo = SharedMemo(max_entries=2)
    memo.get_or_compute("a", lambda: 1)
    memo.get_or_compute("b", lambda: 2)
    memo.get("a")
    memo.get_or_compute("c", lambda: 3)
    assert "a" in memo and "b" not in memo and "c" in memo
    with pytest.raises(RuntimeError):
        memo.get_or_compute("d", lambda: (_ for _ in ()).throw(RuntimeError("interrupted")))
    assert "d" not in memo
