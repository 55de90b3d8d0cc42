"""Quiet unit costs kept across a restart: reused by the same machine and code only, for hours only."""

from __future__ import annotations

import json

import pytest

from backdoor import busy, timing, unit_costs
from backdoor.busy import JOBS, Load

NOW = 1_800_000_000.0
HOUR = 3600.0


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    return tmp_path


@pytest.fixture
def quiet(monkeypatch):
    monkeypatch.setattr(timing, "machine_load", lambda: Load((), 0.0, 2))
    monkeypatch.setattr(busy.CpuWindow, "other_processes_cores", lambda self: 0.0)


def test_saved_figures_come_back_for_twelve_hours_and_not_after():
    unit_costs.save({"('train_step', 64)": (0.012, NOW), "('old', 1)": (3.0, NOW - 11 * HOUR)})
    assert unit_costs.load(now=NOW) == {"('train_step', 64)": 0.012, "('old', 1)": 3.0}
    assert unit_costs.load(now=NOW + 2 * HOUR) == {"('train_step', 64)": 0.012}  # the old one is 13 h old
    assert unit_costs.load(now=NOW + 13 * HOUR) == {}
    assert unit_costs.load(now=NOW - HOUR) == {"('old', 1)": 3.0}  # the other is from "the future": not trusted


def test_a_later_save_keeps_the_others_and_drops_the_stale():
    unit_costs.save({"a": (1.0, NOW - 20 * HOUR), "b": (2.0, NOW)}, now=NOW - 20 * HOUR)
    unit_costs.save({"c": (3.0, NOW)}, now=NOW)
    assert unit_costs.load(now=NOW) == {"b": 2.0, "c": 3.0}


def test_another_machine_or_other_code_measures_again(own_cache, monkeypatch):
    unit_costs.save({"a": (1.0, NOW)})
    assert unit_costs.load(now=NOW) == {"a": 1.0}
    for field, value in [("processor", "another processor"), ("threads", 99), ("code", "changed")]:
        monkeypatch.setattr(unit_costs, "stamp", lambda field=field, value=value, real=unit_costs.stamp(): {
            **real, field: value})
        assert unit_costs.load(now=NOW) == {}, field
        unit_costs.save({"b": (2.0, NOW)}, now=NOW)  # replaces the other machine's figures
        assert unit_costs.load(now=NOW) == {"b": 2.0}
        monkeypatch.undo()
        monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(own_cache))


def test_the_stamp_names_the_processor_threads_and_a_hash_of_the_code():
    stamp = unit_costs.stamp()
    assert stamp["processor"] and stamp["cores"] >= 1 and stamp["threads"] >= 1
    assert len(stamp["code"]) == 16 and stamp == unit_costs.stamp()


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"stamp": 1}', '{"figures": {"a": {"seconds": 1}}}'])
def test_an_unreadable_file_is_ignored_and_replaced(own_cache, text):
    (own_cache / "unit-costs.json").write_text(text)
    assert unit_costs.load(now=NOW) == {}
    unit_costs.save({"a": (1.0, NOW)}, now=NOW)
    assert unit_costs.load(now=NOW) == {"a": 1.0}


def test_a_figure_of_zero_or_less_in_the_file_is_left_out(own_cache):
    unit_costs.save({"a": (1.0, NOW)}, now=NOW)
    data = json.loads((own_cache / "unit-costs.json").read_text())
    data["figures"]["negative"] = {"seconds": -1.0, "when": NOW}
    data["figures"]["zero"] = {"seconds": 0.0, "when": NOW}
    (own_cache / "unit-costs.json").write_text(json.dumps(data))
    assert unit_costs.load(now=NOW) == {"a": 1.0}


def test_a_remembered_figure_is_not_measured_again(quiet):
    measured = timing._Measurements()
    measured.remember({repr(("step", 64)): 0.5})
    calls = []
    assert measured.get(("step", 64), lambda: calls.append(1) or 9.0) == 0.5
    with timing.measured_only():  # a page that must draw at once finds it too
        assert measured.get(("step", 64), lambda: 9.0) == 0.5
    assert calls == []
    assert measured.quiet_figures() == {}  # not measured here: its own date stays on disk
    assert measured.get(("step", 128), lambda: 0.7) == 0.7  # another key is measured
    assert measured.quiet_figures().keys() == {repr(("step", 128))}


def test_only_quiet_figures_with_a_repr_another_process_can_find_are_kept(quiet):
    measured = timing._Measurements()
    address = object()
    measured.get(("quiet", 1), lambda: 1.0)
    measured.get(("somewhere", address), lambda: 2.0)  # repr names a memory address
    with JOBS.running("someone's training"):
        measured.get(("busy", 1), lambda: 3.0)
    seconds, when = measured.quiet_figures()[repr(("quiet", 1))]
    assert list(measured.quiet_figures()) == [repr(("quiet", 1))] and seconds == 1.0 and when > NOW - 10 * 365 * 24 * HOUR
    measured.get(("busy", 1), lambda: 0.5)  # quiet now: measured again, and now kept
    assert set(measured.quiet_figures()) == {repr(("quiet", 1)), repr(("busy", 1))}
    measured.clear()
    assert measured.quiet_figures() == {}


def test_a_cache_that_cannot_be_written_loses_nothing_but_the_shortcut(monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(unit_costs, "_path", lambda: blocked / "unit-costs.json")
    unit_costs.save({"a": (1.0, NOW)}, now=NOW)  # no error: the next start measures again
    assert unit_costs.load(now=NOW) == {}
