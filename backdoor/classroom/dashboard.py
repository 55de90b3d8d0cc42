"""What the instructor's dashboard shows, computed from a class's recorded events."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from backdoor.classroom.events import Event
from backdoor.metrics import only_guesses
from backdoor.mystery import Mystery, Verdict, score
from backdoor.wording import count_of

STORY = ("start", "poison", "train", "trigger", "explain", "defend", "matrix", "govern")  # the path, in order


@dataclass(frozen=True)
class StudentProgress:
    nickname: str
    joined: datetime
    now_on: str  # the page they opened last
    furthest: int  # how many steps of the story they have reached (0: none yet)
    trained: int
    defenses: int
    quiz_right: int
    quiz_answered: int


def progress(roster: list[tuple[str, datetime]], events: list[Event]) -> list[StudentProgress]:
    """Where each student is in the story, and what they have done, in the order they joined."""
    rows = []
    for nickname, joined in roster:
        own = [e for e in events if e.nickname == nickname]
        steps = [e for e in own if e.kind == "step"]
        paths = [e.payload.get("path", e.key) for e in steps]
        reached = [STORY.index(p) for p in paths if p in STORY]
        quiz = [e for e in own if e.kind == "quiz"]
        rows.append(StudentProgress(
            nickname, joined, page_name(steps[-1].payload.get("page", steps[-1].key)) if steps else "not started",
            max(reached) + 1 if reached else 0, sum(e.kind == "trained" for e in own),
            sum(e.kind == "defense" for e in own), sum(bool(e.payload.get("correct")) for e in quiz), len(quiz)))
    return rows


def reached_words(furthest: int) -> str:
    """How far along the story a student has got, numbered as the pages are: the Start page is not a
    numbered step, so reaching "3. Fire the trigger" reads "step 3 of 7", as its page says."""
    if furthest <= 0:
        return "not started"
    if furthest == 1:
        return "the start page"
    return f"step {furthest - 1} of {len(STORY) - 1}"


def page_name(title: str) -> str:
    """A page's title as a table cell: "2. Train the models" would read as a numbered list."""
    number, dot, rest = title.partition(". ")
    return f"step {number}: {rest}" if dot and number.isdigit() else title


def trained_results(events: list[Event]) -> list[dict]:
    """Every model pair a student trained that learnt the task: poison rate against ASR across the class. A
    model that only guesses (a learning rate of 1.0) sends every image to one class, and its "attack success"
    would put a point at 100% that no trigger earned; events recorded without ``classes`` are kept."""
    return [{"nickname": e.nickname, **{k: e.payload.get(k) for k in
                                        ("attack", "poison_rate", "target", "clean_acc", "asr", "baseline_clean_acc")}}
            for e in events if e.kind == "trained" and not _guessed(e.payload)]


def _guessed(payload: dict) -> bool:
    classes, clean_acc = payload.get("classes"), payload.get("clean_acc")
    return isinstance(classes, int) and classes > 0 and clean_acc is not None and only_guesses(clean_acc, classes)


def defense_catches(events: list[Event]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(attack, defense) -> (runs that stopped the attack, runs on a model where the attack had taken
    hold, runs) across the class. A defense can only stop an attack that worked: a run on a model the
    attack never took hold of (``took_hold`` False) is counted apart, never as stopped. Runs recorded
    before ``took_hold`` was (no such key) count as taking hold, as they were read then."""
    table: dict[tuple[str, str], list[int]] = {}
    for e in events:
        if e.kind == "defense":
            cell = table.setdefault((e.payload["attack"], e.payload["defense"]), [0, 0, 0])
            held = bool(e.payload.get("took_hold", True))
            cell[0] += held and bool(e.payload.get("caught"))
            cell[1] += held
            cell[2] += 1
    return {key: (caught, held, runs) for key, (caught, held, runs) in table.items()}


def catches_cell(caught: int, held: int, runs: int) -> str:
    """One (attack, defense) cell of the class's table, in words: "stopped 1 of 2 runs", and the runs
    where the attack never took hold said apart (true at 0, 1 and all)."""
    if held == 0:
        return f"the attack never took hold ({count_of(runs, 'run')})"
    said = f"stopped {caught} of {count_of(held, 'run')}"
    if held < runs:
        said += f"; the attack never took hold in {count_of(runs - held, 'other run')}"
    return said


def quiz_answers(events: list[Event]) -> dict[str, Counter]:
    """Question key -> how many students gave each answer (their first answer: it is recorded once)."""
    counts: dict[str, Counter] = {}
    for e in events:
        if e.kind == "quiz":
            counts.setdefault(e.key, Counter())[int(e.payload["answer"])] += 1
    return counts


@dataclass(frozen=True)
class Standing:
    nickname: str
    points: int
    possible: int
    answered: int


def mystery_board(events: list[Event], truth: Callable[[int, int], list[Mystery]]) -> list[Standing]:
    """Each student's challenge score from their last verdict on each model, best first (ties listed by
    name, ranked alike: ``competition_ranks``). ``truth(code, count)`` gives the challenge's models."""
    last: dict[str, dict] = {}
    for e in events:
        if e.kind == "mystery":
            p = e.payload
            last.setdefault(e.nickname, {})[(p["challenge"], p["count"], p["model"])] = p
    board = []
    for nickname, verdicts in last.items():
        by_challenge: dict[tuple[int, int], dict[int, Verdict]] = {}
        for (code, count, number), p in verdicts.items():
            by_challenge.setdefault((code, count), {})[number] = Verdict(bool(p["backdoored"]), p.get("target"))
        points = possible = answered = 0
        for (code, count), calls in by_challenge.items():
            result = score(truth(code, count), calls)
            points, possible, answered = points + result.points, possible + result.possible, answered + len(calls)
        board.append(Standing(nickname, points, possible, answered))
    return sorted(board, key=lambda s: (-s.points, s.nickname.casefold()))


def competition_ranks(points: list[float]) -> list[int]:
    """Each place's rank on a board sorted best first: the same points share a rank and the next is
    skipped ("1, 1, 3"), so a tie never ranks one student above another by name."""
    ranks: list[int] = []
    for i, p in enumerate(points):
        ranks.append(ranks[-1] if i and p == points[i - 1] else i + 1)
    return ranks


FORMULA_START = tuple("=+-@\t\r")  # a spreadsheet reads a cell starting so as a formula


def as_text_cell(text: str) -> str:
    """A typed text (a nickname) as a spreadsheet shows it, never as a formula it would run: one starting
    with = + - @ or a tab is kept behind an apostrophe (OWASP's advice against CSV injection)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(events: list[Event]) -> str:
    """The whole class, one row per recorded event (times in UTC). Nicknames go through
    :func:`as_text_cell`: the instructor opens this file in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time_utc", "nickname", "kind", "key", "details"])
    for e in events:
        writer.writerow([e.at.isoformat(), as_text_cell(e.nickname), e.kind, e.key,
                         json.dumps(e.payload, sort_keys=True)])
    return out.getvalue()
