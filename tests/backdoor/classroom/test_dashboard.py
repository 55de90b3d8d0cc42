"""The dashboard's figures, from a class's events: where each student is, results, quizzes, mystery."""

import csv
import io
from datetime import datetime, timezone

import pytest

from backdoor.classroom.dashboard import (
    catches_cell, competition_ranks, defense_catches, mystery_board, page_name, progress, quiz_answers, to_csv,
    reached_words, trained_results,
)
from backdoor.classroom.events import Event
from backdoor.mystery import draw_challenge
from backdoor.scenario import Scenario

NOW = datetime(2026, 11, 29, tzinfo=timezone.utc)


def ev(nickname, kind, key, **payload):
    return Event(nickname, kind, key, payload, NOW)


def test_progress_says_where_each_student_is_and_what_they_did():
    roster = [("Ada", NOW), ("Ben", NOW), ("Cy", NOW)]
    events = [ev("Ada", "step", "poison", page="1. Poison the data"), ev("Ada", "step", "train", page="2. Train the models"),
              ev("Ada", "step", "glossary", page="Glossary"), ev("Ada", "trained", "a"),
              ev("Ada", "quiz", "train.0", answer=0, correct=True), ev("Ada", "quiz", "train.1", answer=1, correct=False),
              ev("Ben", "step", "start", page="Start here"), ev("Ben", "defense", "x", defense="strip", attack="badnets")]
    ada, ben, cy = progress(roster, events)
    assert (ada.now_on, ada.furthest, ada.trained, ada.quiz_right, ada.quiz_answered) == ("Glossary", 3, 1, 1, 2)
    assert (ben.now_on, ben.furthest, ben.defenses) == ("Start here", 1, 1)
    assert (cy.now_on, cy.furthest, cy.trained, cy.quiz_answered) == ("not started", 0, 0, 0)


def test_page_titles_never_read_as_numbered_lists():
    assert page_name("2. Train the models") == "step 2: Train the models"
    assert page_name("Red vs blue") == "Red vs blue" and page_name("7. Govern: risk brief") == "step 7: Govern: risk brief"


def test_results_defenses_and_quiz_counts_across_the_class():
    events = [ev("Ada", "trained", "a", attack="badnets", poison_rate=0.1, asr=1.0, clean_acc=0.97),
              ev("Ada", "defense", "1", defense="strip", attack="badnets", caught=True),
              ev("Ben", "defense", "2", defense="strip", attack="badnets", caught=False),
              ev("Ben", "defense", "3", defense="fine_pruning", attack="wanet", caught=True),
              ev("Ada", "quiz", "train.0", answer=0), ev("Ben", "quiz", "train.0", answer=2),
              ev("Cy", "quiz", "train.0", answer=0)]
    assert [r["nickname"] for r in trained_results(events)] == ["Ada"]
    # a model that only guesses (10% on ten classes) is no dose's effect; one recorded before "classes" is kept
    guessing = [ev("Ben", "trained", "b", attack="badnets", poison_rate=0.01, asr=1.0, clean_acc=0.102, classes=10),
                ev("Cy", "trained", "c", attack="badnets", poison_rate=0.01, asr=1.0, clean_acc=0.102),
                ev("Di", "trained", "d", attack="badnets", poison_rate=0.01, asr=1.0, clean_acc=0.15, classes=10)]
    assert [r["nickname"] for r in trained_results(events + guessing)] == ["Ada", "Cy", "Di"]
    assert defense_catches(events) == {("badnets", "strip"): (1, 2, 2), ("wanet", "fine_pruning"): (1, 1, 1)}
    assert quiz_answers(events) == {"train.0": {0: 2, 2: 1}}
    assert defense_catches([]) == {} and quiz_answers([]) == {}


def test_the_mystery_board_scores_each_students_last_verdicts_best_first():
    truth = draw_challenge(77, 2, Scenario(), 10)
    right = {m.number: m for m in truth}
    events = []
    for m in truth:  # Ada first answers wrongly, then right: the last verdict counts
        events.append(ev("Ada", "mystery", f"{m.number}:1", challenge=77, count=2, model=m.number,
                         backdoored=not m.backdoored, target=None))
        events.append(ev("Ada", "mystery", f"{m.number}:2", challenge=77, count=2, model=m.number,
                         backdoored=m.backdoored, target=m.target))
    events.append(ev("Ben", "mystery", "1:1", challenge=77, count=2, model=1, backdoored=not right[1].backdoored,
                     target=None))
    board = mystery_board(events, lambda code, count: draw_challenge(code, count, Scenario(), 10))
    assert [(s.nickname, s.points, s.possible, s.answered) for s in board] == [("Ada", 3, 3, 2), ("Ben", 0, 3, 1)]


def test_the_csv_has_one_row_per_event():
    csv = to_csv([ev("Ada", "quiz", "train.0", answer=0)])
    lines = csv.strip().splitlines()
    assert lines[0] == "time_utc,nickname,kind,key,details" and len(lines) == 2 and "Ada,quiz,train.0" in lines[1]


def test_a_nickname_a_spreadsheet_would_run_stays_text_in_the_csv():
    """A nickname such as '=HYPERLINK(...)' would run as a formula when the instructor opens the CSV: it is kept
    behind an apostrophe (OWASP's CSV-injection advice); an ordinary one is untouched."""
    rows = list(csv.reader(io.StringIO(to_csv([ev(name, "quiz", "train.0", answer=0) for name in (
        "=HYPERLINK(\"http://e\")", "+1", "-Ada", "@Ben", "\tCy", "Ada", "Ada-Lee", "'quoted")]))))
    assert [row[1] for row in rows[1:]] == ["'=HYPERLINK(\"http://e\")", "'+1", "'-Ada", "'@Ben", "'\tCy", "Ada",
                                            "Ada-Lee", "'quoted"]


def test_now_on_follows_a_student_back_to_a_page_they_saw_before():
    steps = [ev("Ada", "step", "s1:1:poison", page="1. Poison the data", path="poison"),
             ev("Ada", "step", "s1:2:train", page="2. Train the models", path="train"),
             ev("Ada", "step", "s1:3:poison", page="1. Poison the data", path="poison")]
    [ada] = progress([("Ada", NOW)], steps)
    assert ada.now_on == "step 1: Poison the data" and ada.furthest == 3
    assert reached_words(ada.furthest) == "step 2 of 7"  # "2. Train the models": numbered as its page is


def test_how_far_a_student_got_reads_as_the_pages_are_numbered():
    assert [reached_words(n) for n in (0, 1, 2, 4, 8)] == [
        "not started", "the start page", "step 1 of 7", "step 3 of 7", "step 7 of 7"]


def test_a_defense_run_where_the_attack_never_took_hold_stops_nothing():
    events = [ev("Ada", "defense", "1", defense="strip", attack="badnets", took_hold=False, caught=False),
              ev("Ben", "defense", "2", defense="strip", attack="badnets", took_hold=True, caught=True),
              ev("Cy", "defense", "3", defense="strip", attack="badnets", took_hold=True, caught=False),
              # even a caught flag on a run where the attack never took hold is not counted as stopped
              ev("Dee", "defense", "4", defense="fine_pruning", attack="badnets", took_hold=False, caught=True)]
    assert defense_catches(events) == {("badnets", "strip"): (1, 2, 3), ("badnets", "fine_pruning"): (0, 0, 1)}


@pytest.mark.parametrize("caught, held, runs, said", [
    (0, 0, 1, "the attack never took hold (1 run)"),
    (0, 0, 3, "the attack never took hold (3 runs)"),
    (0, 1, 1, "stopped 0 of 1 run"),
    (1, 1, 1, "stopped 1 of 1 run"),
    (2, 2, 2, "stopped 2 of 2 runs"),
    (1, 2, 3, "stopped 1 of 2 runs; the attack never took hold in 1 other run"),
    (0, 1, 3, "stopped 0 of 1 run; the attack never took hold in 2 other runs"),
])
def test_each_cell_of_the_class_table_counts_its_runs(caught, held, runs, said):
    assert catches_cell(caught, held, runs) == said


@pytest.mark.parametrize("points, ranks", [
    ([], []), ([3], [1]), ([3, 3, 1], [1, 1, 3]), ([3, 2, 2, 0], [1, 2, 2, 4]), ([0, 0, 0], [1, 1, 1]),
    ([5, 4, 3], [1, 2, 3]), ([-1, -1, -2], [1, 1, 3]), ([2.5, 2.5], [1, 1]),
])
def test_tied_students_share_a_rank(points, ranks):
    assert competition_ranks(points) == ranks


def test_the_mystery_board_ranks_ties_alike_whatever_their_names():
    truth = draw_challenge(77, 2, Scenario(), 10)
    events = [ev(name, "mystery", "1:1", challenge=77, count=2, model=truth[0].number,
                 backdoored=truth[0].backdoored, target=truth[0].target) for name in ("Cy", "ada", "Ben")]
    board = mystery_board(events, lambda code, count: draw_challenge(code, count, Scenario(), 10))
    assert [s.nickname for s in board] == ["ada", "Ben", "Cy"]  # listed by name ...
    assert competition_ranks([s.points for s in board]) == [1, 1, 1]  # ... ranked alike
