"""The mutation score per module, read from the last `mutmut run`: `python -m benchmarks.mutation
[--target 0.85] [--diffs]`.

`make mutate` runs mutmut over the core modules listed in pyproject.toml ([tool.mutmut]) with
the fast tests, then this. A mutant is *killed* when a test fails on it (or it makes a test
hang past mutmut's time-out); it *survives* when every test passes, or when no fast test
reaches its code at all. The score is killed / all, and the survivors are listed by name
(``--diffs`` prints each one's change, as ``mutmut show`` does). Exits 1 below the target.
Record the table in benchmarks/RESULTS.md, each survivor killed by a new test or explained.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"

# mutmut's exit codes (mutmut/stats.py): 1 and 3 a test failed; 36, 24, 152, 255, -24 time-out.
KILLED = {1, 3, 36, 24, 152, 255, -24}
SURVIVED = {0}
NOT_REACHED = {5, 33}


@dataclass
class ModuleScore:
    module: str
    outcomes: Counter = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def score(self) -> float:
        return self.outcomes["killed"] / self.total if self.total else 0.0


def _outcome(exit_code) -> str:
    if exit_code in KILLED:
        return "killed"
    if exit_code in SURVIVED:
        return "survived"
    if exit_code in NOT_REACHED:
        return "not reached"
    return "not checked" if exit_code is None else "other"


def read_scores(folder: Path = MUTANTS) -> list[ModuleScore]:
    scores = []
    for meta in sorted(folder.rglob("*.py.meta")):
        module = str(meta.relative_to(folder))[: -len(".meta")]
        score = ModuleScore(module)
        for name, exit_code in sorted(json.loads(meta.read_text())["exit_code_by_key"].items()):
            outcome = _outcome(exit_code)
            score.outcomes[outcome] += 1
            if outcome != "killed":
                score.survivors.append(f"{name} ({outcome})")
        scores.append(score)
    return scores


def table(scores: list[ModuleScore]) -> str:
    lines = ["| module | mutants | killed | survived | not reached by a fast test | score |",
             "|---|---:|---:|---:|---:|---:|"]
    for s in scores:
        lines.append(f"| `{s.module}` | {s.total} | {s.outcomes['killed']} | {s.outcomes['survived']} | "
                     f"{s.outcomes['not reached']} | {s.score:.0%} |")
    total = sum(s.total for s in scores)
    killed = sum(s.outcomes["killed"] for s in scores)
    lines.append(f"| **all** | {total} | {killed} | {sum(s.outcomes['survived'] for s in scores)} | "
                 f"{sum(s.outcomes['not reached'] for s in scores)} | {killed / total if total else 0:.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.85, help="the least share of mutants killed")
    parser.add_argument("--diffs", action="store_true", help="print each survivor's change")
    args = parser.parse_args(argv)
    scores = read_scores()
    if not scores:
        print("No mutmut results: run `make mutate` (or `mutmut run`) first.")
        return 1
    print(table(scores))
    for s in scores:
        for survivor in s.survivors:
            print(f"- {survivor}")
            if args.diffs:
                name = survivor.split(" ")[0]
                print(subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=ROOT,
                                     capture_output=True, text=True).stdout)
    total = sum(s.total for s in scores)
    killed = sum(s.outcomes["killed"] for s in scores)
    return 0 if total and killed / total >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
