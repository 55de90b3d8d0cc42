"""The class benchmark's pacing (benchmarks/load.py): when each student arrives and how long they
read. Only the schedule, a pure function; the browsers that follow it are benchmarks/run.py's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from benchmarks import load
from benchmarks.load import CLASS_STEPS, Pacing, StudentPace, student_pace


def test_no_pacing_is_lockstep_with_nothing_to_wait_for():
    for number in range(1, 25):
        pace = student_pace(Pacing(), number)
        assert pace == StudentPace(0.0, (0.0,) * (len(CLASS_STEPS) - 1))


def test_each_student_arrives_in_the_window_and_reads_within_the_range():
    pacing = Pacing(arrive_within=60.0, think=(5.0, 15.0))
    paces = [student_pace(pacing, n) for n in range(1, 25)]
    for pace in paces:
        assert 0.0 <= pace.arrive <= 60.0
        assert len(pace.reads) == len(CLASS_STEPS) - 1  # one before each step after the join
        assert all(5.0 <= read <= 15.0 for read in pace.reads)
    assert len({pace.arrive for pace in paces}) > 20  # spread out, not one instant
    assert max(p.arrive for p in paces) - min(p.arrive for p in paces) > 30


def test_the_schedule_is_seeded_per_student():
    pacing = Pacing(arrive_within=60.0, think=(5.0, 15.0), seed=3)
    assert student_pace(pacing, 7) == student_pace(Pacing(60.0, (5.0, 15.0), 3), 7)
    assert student_pace(pacing, 7) != student_pace(pacing, 8)
    assert student_pace(pacing, 7) != student_pace(Pacing(60.0, (5.0, 15.0), 4), 7)


def test_a_fixed_think_time_reads_exactly_that_long():
    pace = student_pace(Pacing(arrive_within=0.0, think=(2.0, 2.0)), 1)
    assert pace.arrive == 0.0 and pace.reads == (2.0,) * (len(CLASS_STEPS) - 1)


@pytest.mark.parametrize("pacing", [Pacing(think=(5.0, 1.0)), Pacing(think=(-1.0, 1.0)), Pacing(arrive_within=-1.0)])
def test_an_impossible_pacing_is_refused(pacing):
    with pytest.raises(ValueError):
        student_pace(pacing, 1)


def test_the_servers_part_of_the_page_waits_leaves_the_defense_job_out():
    from benchmarks.load import server_page_figures

    runs = [{"page": page, "seconds": seconds, "ended": ended} for page, seconds, ended in (
        ("join", 0.4, "drawn"), ("poison", 1.0, "drawn"), ("train", 3.0, "RerunException"),
        ("train", 0.2, "drawn"), ("defend", 40.0, "drawn"))]
    figures = server_page_figures(runs)
    assert figures == {
        "server_page_runs": 4, "server_page_runs_cut_short": 1,
        "server_median_page_seconds": 1.0, "server_slowest_page_seconds": 3.0,  # 0.2 0.4 1.0 3.0: the upper middle
        "server_slowest_by_page_seconds": {"join": 0.4, "poison": 1.0, "train": 3.0},
    }
    assert server_page_figures([])["server_median_page_seconds"] is None


def test_the_browsers_niceness_reaches_only_the_class_walks(monkeypatch):
    import benchmarks.run as bench

    seen = {}
    monkeypatch.setitem(bench.BENCHMARKS, "class_path_paced",
                        lambda browsers_nice=0, own_devices=0: seen.update(nice=browsers_nice, own=own_devices) or {})
    bench.main(["--only", "class_path_paced", "--browsers-nice", "19", "--own-devices", "3"])
    assert seen == {"nice": 19, "own": 3}
    with pytest.raises(SystemExit):  # a benchmark with no browsers to nice says so, rather than ignore it
        bench.main(["--only", "defenses", "--browsers-nice", "19"])
    with pytest.raises(SystemExit):
        bench.main(["--only", "defenses", "--own-devices", "3"])


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="Linux autogroup scheduling only")
def test_the_niced_browser_launcher_lowers_its_whole_session(tmp_path, monkeypatch):
    """Playwright starts the browser in a session of its own (setsid); the launcher must lower
    that session's autogroup, not only the process, or the server still gets half the cores."""
    monkeypatch.setattr(load, "CHROMIUM", "/bin/sh")
    launcher = load.niced_chromium(19, tmp_path)
    out = subprocess.run(["setsid", "-w", str(launcher), "-c", "cat /proc/self/autogroup; nice"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0].endswith("nice 19") and out[1] == "19"


def test_own_device_students_are_spread_through_the_class_and_distinct():
    assert load.own_device_sessions(24, 3) == [5, 13, 21]
    assert load.own_device_sessions(24, 0) == []
    for sessions in (1, 2, 7, 24):
        for count in range(sessions + 2):
            chosen = load.own_device_sessions(sessions, count)
            assert len(chosen) == len(set(chosen)) == min(count, sessions)
            assert all(1 <= n <= sessions for n in chosen)


def test_page_figures_leave_the_defense_out_and_name_each_step():
    runs = [load.SessionRun(1, {"join": 2.0, "train": 9.0, "defend": 50.0}), load.SessionRun(2, {"join": 4.0})]
    figures = load._page_figures(runs, "own_device_")
    assert figures["own_device_median_page_response_seconds"] == 4.0  # 2 4 9: the middle
    assert figures["own_device_slowest_page_response_seconds"] == 9.0
    assert figures["own_device_slowest_step_seconds"]["defend"] == 50.0
    assert figures["own_device_slowest_step_seconds"]["quiz"] == 0.0
    assert load._page_figures([])["median_page_response_seconds"] is None
