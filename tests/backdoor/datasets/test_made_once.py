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
