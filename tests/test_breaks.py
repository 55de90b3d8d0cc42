"""The regression list of breaks (tests/breaks/*.toml, run by `python -m benchmarks.breaks`)
stays runnable: every break still applies to today's code and names tests that exist."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from benchmarks.breaks import Break, load_breaks, run_break
from conftest import ROOT

BREAKS = load_breaks()


def test_the_list_is_not_empty_and_names_are_unique():
    assert len(BREAKS) >= 10
    names = [b.name for b in BREAKS]
    assert len(set(names)) == len(names)


def _defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names |= {f"{node.name}::{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
    return names


@pytest.mark.parametrize("brk", BREAKS, ids=[b.name for b in BREAKS])
def test_each_break_applies_once_and_names_existing_tests(brk: Break):
    source = (ROOT / brk.file).read_text()
    assert source.count(brk.find) == 1, f"{brk.name}: the text to break is not found exactly once in {brk.file}"
    assert brk.find != brk.replace
    assert brk.tests
    for node in brk.tests:
        file, _, name = node.partition("::")
        assert (ROOT / file).is_file(), f"{brk.name}: no test file {file}"
        if name:
            assert name.split("[")[0] in _defined_tests(ROOT / file), f"{brk.name}: no test {node}"


def _tiny_project(tmp_path: Path) -> Path:
    (tmp_path / "limits.py").write_text("LIMIT = 5\n\ndef allowed(n):\n    return n <= LIMIT\n")
    (tmp_path / "test_limits.py").write_text(
        "from limits import allowed\n\ndef test_six_is_refused():\n    assert not allowed(6)\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_the_runner_catches_a_break_its_test_sees_and_reports_one_it_does_not(tmp_path):
    root = _tiny_project(tmp_path)
    seen = Break("limit raised 10x", "limits.py", "LIMIT = 5", "LIMIT = 50", ("test_limits.py",), "tiny")
    unseen = Break("limit raised by one", "limits.py", "LIMIT = 5", "LIMIT = 6 - 1", ("test_limits.py",), "tiny")
    assert run_break(seen, root).caught
    assert not run_break(unseen, root).caught
    assert (root / "limits.py").read_text().startswith("LIMIT = 5\n")  # the tree itself is never changed
