"""Arrays made once per machine: callers at the same time, in threads or in processes, make them once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from backdoor.datasets.made_once import made_once
from conftest import ROOT


def test_the_first_call_makes_and_saves_and_the_next_reads_the_file(tmp_path):
    path = tmp_path / "sub" / "a.npz"
    made = made_once(path, lambda: {"x": np.arange(6).reshape(2, 3)})
    assert path.exists() and made["x"].tolist() == [[0, 1, 2], [3, 4, 5]]
    again = made_once(path, lambda: pytest.fail("made twice"))
    assert again["x"].tolist() == made["x"].tolist()


def test_callers_in_threads_at_once_make_the_arrays_once(tmp_path):
    path, calls, results = tmp_path / "a.npz", [], []
    started = threading.Barrier(4)

    def make():
        calls.append(1)
        time.sleep(0.3)  # long enough for the others to arrive while it is being made
        return {"x": np.full(3, 7)}

    def caller():
        started.wait()
        results.append(made_once(path, make)["x"].tolist())

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [[7, 7, 7]] * 4


CHILD = """
import sys, time
from pathlib import Path
import numpy as np
from backdoor.datasets.made_once import made_once

def make():
    with open(sys.argv[2], "a") as log:
        log.write("made\\n")
    time.sleep(1.0)
    return {"x": np.arange(4)}

print(made_once(Path(sys.argv[1]), make)["x"].tolist())
"""


def test_servers_sharing_a_cache_folder_make_the_arrays_once(tmp_path):
    """Two processes at once (two replicas behind one proxy, say): the second waits for the first's file."""
    path, log = tmp_path / "a.npz", tmp_path / "made.log"
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(log)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [child.communicate(timeout=120)[0].strip() for child in children]
    assert [child.returncode for child in children] == [0, 0]
    assert outputs == ["[0, 1, 2, 3]"] * 2
    assert log.read_text().splitlines() == ["made"]


def test_a_failed_make_leaves_no_file_and_the_next_caller_tries_again(tmp_path):
    path = tmp_path / "a.npz"

    def broken():
        raise RuntimeError("out of disk")

    with pytest.raises(RuntimeError, match="out of disk"):
        made_once(path, broken)
    assert not path.exists()
    assert made_once(path, lambda: {"x": np.ones(2)})["x"].tolist() == [1.0, 1.0]


def test_a_caller_out_of_patience_makes_the_arrays_itself_without_waiting_for_a_slow_one(tmp_path):
    """The one making the arrays can be starved (the warm-up draws at low priority): a caller with
    limited patience stops waiting and makes them at its own pace; both get the same arrays."""
    path, calls = tmp_path / "a.npz", []
    slow_started, slow_may_finish, results = threading.Event(), threading.Event(), {}

    def slow():
        calls.append("slow")
        slow_started.set()
        slow_may_finish.wait(timeout=60)
        return {"x": np.arange(3)}

    def quick():
        calls.append("quick")
        return {"x": np.arange(3)}

    holder = threading.Thread(target=lambda: results.update(slow=made_once(path, slow)["x"].tolist()))
    holder.start()
    assert slow_started.wait(timeout=60)
    results["quick"] = made_once(path, quick, patience=0.3)["x"].tolist()
    assert not slow_may_finish.is_set()  # it did not wait for the slow one
    slow_may_finish.set()
    holder.join()
    assert calls == ["slow", "quick"] and results == {"quick": [0, 1, 2], "slow": [0, 1, 2]}
    assert made_once(path, lambda: pytest.fail("made again"))["x"].tolist() == [0, 1, 2]


def test_a_caller_with_patience_still_waits_for_a_maker_that_finishes_in_time(tmp_path):
    path, calls, results = tmp_path / "a.npz", [], []
    started = threading.Event()

    def make():
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return {"x": np.ones(2)}

    holder = threading.Thread(target=lambda: results.append(made_once(path, make)["x"].tolist()))
    holder.start()
    assert started.wait(timeout=60)
    results.append(made_once(path, make, patience=60)["x"].tolist())
    holder.join()
    assert len(calls) == 1 and results == [[1.0, 1.0]] * 2


HOLDER = """
import sys, time
from pathlib import Path
import numpy as np
from backdoor.datasets.made_once import made_once

def make():
    Path(sys.argv[2]).write_text("making")
    give_up = time.monotonic() + 60  # a caller that wrongly waits for this one fails, it does not hang
    while not Path(sys.argv[3]).exists() and time.monotonic() < give_up:
        time.sleep(0.05)
    return {"x": np.arange(2)}

made_once(Path(sys.argv[1]), make)
"""


def test_a_caller_out_of_patience_does_not_wait_for_another_process_either(tmp_path):
    path, making, release = tmp_path / "a.npz", tmp_path / "making", tmp_path / "release"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(making), str(release)], cwd=ROOT)
    try:
        for _ in range(1200):
            if making.exists() or holder.poll() is not None:
                break
            time.sleep(0.05)
        assert making.exists()
        assert made_once(path, lambda: {"x": np.arange(2)}, patience=0.3)["x"].tolist() == [0, 1]
        assert holder.poll() is None  # the other process is still making them
    finally:
        release.touch()
        holder.wait(timeout=120)
    assert holder.returncode == 0


def test_making_the_arrays_counts_as_work_so_a_unit_cost_timed_beside_it_is_timed_again(tmp_path, monkeypatch):
    """A user's first pick of the traffic signs draws them on a page's thread for 15-35 s. A training step
    the warm-up timed meanwhile read four times its time and was kept as quiet; now it is marked busy."""
    from backdoor import busy, timing

    monkeypatch.setattr(busy.CpuWindow, "other_processes_cores", lambda self: 0.0)  # nothing else on the machine
    drawing, measured = threading.Event(), threading.Event()

    def draw():
        drawing.set()
        assert measured.wait(timeout=10)  # still drawing while the other thread times its step
        return {"x": np.zeros(3)}

    seen = []
    maker = threading.Thread(target=lambda: made_once(tmp_path / "signs.npz", lambda: seen.append(
        busy.WORK.others_active()) or draw()))
    maker.start()
    assert drawing.wait(timeout=10)
    timing.MEASURED.clear()
    key = ("test-made-once", str(tmp_path))
    try:
        assert timing.MEASURED.get(key, lambda: 0.14) == 0.14
        measured.set()
        maker.join(timeout=10)
        assert seen == [False]  # its own thread does not count it against itself
        assert timing.MEASURED.busy_figures() == [key]  # timed again once the machine is quiet
        assert repr(key) not in timing.MEASURED.quiet_figures()  # never saved for the next start
    finally:
        measured.set()
        timing.MEASURED.clear()
