"""The shared memo computes each key once, evicts the least recent and stores no failure."""

import threading
import time

import pytest

from backdoor.memo import SharedMemo


def test_memo_computes_each_key_once_under_concurrency():
    memo, calls = SharedMemo(max_entries=4), []

    def slow():
        calls.append(1)
        time.sleep(0.05)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(memo.get_or_compute("k", slow))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1


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
