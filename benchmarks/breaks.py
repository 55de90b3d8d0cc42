"""The regression list of breaks: `python -m benchmarks.breaks [--only TEXT] [--jobs N]`.

Each entry of ``tests/breaks/*.toml`` is one small change to the code that a user would
notice (a flipped sign, a limit raised tenfold, a menu gaining a page), with the tests that
must catch it. For every entry this copies the working tree to a temporary folder, makes the
change there, and runs the named tests: the break is *caught* when they fail. The working
tree itself is never touched. It exits 1 when any break survives, so `make mutate` fails too.

``tests/test_breaks.py`` checks, in the fast suite, that every entry still applies: its
text occurs exactly once in its file and its tests exist.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BREAKS = ROOT / "tests" / "breaks"


@dataclass(frozen=True)
class Break:
    name: str
    file: str
    find: str
    replace: str
    tests: tuple[str, ...]
    listed_in: str

    def apply(self, root: Path) -> None:
        path = root / self.file
        text = path.read_text()
        count = text.count(self.find)
        if count != 1:
            raise ValueError(f"{self.listed_in}: {self.name!r}: its text occurs {count} times in {self.file}, "
                             "not once; update the entry")
        path.write_text(text.replace(self.find, self.replace))


def load_breaks(folder: Path = BREAKS) -> list[Break]:
    breaks = []
    for listing in sorted(folder.glob("*.toml")):
        with listing.open("rb") as f:
            for entry in tomllib.load(f).get("break", []):
                breaks.append(Break(name=entry["name"], file=entry["file"], find=entry["find"],
                                    replace=entry["replace"], tests=tuple(entry["tests"]),
                                    listed_in=listing.name))
    return breaks


def _tracked_files(root: Path) -> list[str]:
    """The project's files as git sees them, committed or not (ignored build outputs left out)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=root,
                            check=True, capture_output=True).stdout.decode()
    return [name for name in listed.split("\0") if name and (root / name).is_file()]


def _copy_tree(root: Path, target: Path) -> None:
    for name in _tracked_files(root):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, destination)


@dataclass(frozen=True)
class Outcome:
    brk: Break
    caught: bool
    seconds: float
    tail: str


def run_break(brk: Break, root: Path = ROOT) -> Outcome:
    """Make the break in a copy of the tree and run its tests there (they must fail)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="backdoor-lab-break-") as folder:
        copy = Path(folder)
        _copy_tree(root, copy)
        brk.apply(copy)
        run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *brk.tests],
                             cwd=copy, capture_output=True, text=True)
    tail = "\n".join((run.stdout + run.stderr).strip().splitlines()[-3:])
    # exit code 1: tests ran and failed. 2-5 (interrupted, internal error, usage, none collected) catch nothing.
    return Outcome(brk, caught=run.returncode == 1, seconds=time.perf_counter() - started, tail=tail)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the breaks whose name contains this text")
    parser.add_argument("--jobs", type=int, default=2, help="breaks run at once (default 2)")
    args = parser.parse_args(argv)
    breaks = [b for b in load_breaks() if args.only.lower() in b.name.lower()]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(run_break, breaks))
    for o in outcomes:
        print(f"{'caught  ' if o.caught else 'SURVIVED'} {o.seconds:6.1f} s  {o.brk.name}  ({o.brk.listed_in})")
        if not o.caught:
            print("         " + o.tail.replace("\n", "\n         "))
    caught = sum(o.caught for o in outcomes)
    print(f"{caught} of {len(outcomes)} breaks caught in {time.perf_counter() - started:.0f} s")
    return 0 if caught == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
