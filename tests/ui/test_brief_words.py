"""The board brief's sentence on the matrix holds for every count, ties and zero included."""

from __future__ import annotations

from backdoor.controls import Control
from ui.brief_view import matrix_line


def _control(key: str, title: str, catches: int, attacks: int = 5) -> Control:
    return Control(key, title, "plain", "owner", "Measure", tuple(f"attack {i}" for i in range(catches)), (),
                   1.0, False, 1, 0.0, 0.0, attacks)


TEST = _control("none", "Accuracy test before release", 0)


def test_the_best_control_is_named_by_what_it_does():
    line = matrix_line([TEST, _control("fine_pruning", "Prune and retune before release (Fine-Pruning)", 4),
                        _control("strip", "Screen every request in service (STRIP)", 3)])
    assert line == ("2 published defenses were run against 5 attacks that worked: the best, prune and retune before "
                    "release, stopped 4 of them.")


def test_ties_all_and_none():
    tie = [TEST, _control("a", "Do A (Paper A)", 2), _control("b", "Do B (Paper B)", 2)]
    assert matrix_line(tie).endswith("the best, do A and do B, each stopped 2 of them.")  # not "together, 2"
    one_each = [TEST, _control("a", "Do A (Paper A)", 1), _control("b", "Do B (Paper B)", 1)]
    assert matrix_line(one_each).endswith("5 attacks that worked: the best, do A and do B, each stopped 1 of them.")
    assert matrix_line([TEST, _control("a", "Do A (A)", 1), _control("b", "Do B (B)", 0)]).endswith(
        "the best, do A, stopped 1 of them.")
    assert matrix_line([TEST, _control("a", "Do A (A)", 5)]).endswith("do A stopped all 5.")
    assert matrix_line([TEST, _control("a", "Do A (A)", 0)]).endswith("5 attacks that worked: it stopped none of them.")
    assert matrix_line([TEST, _control("a", "Do A (A)", 0), _control("b", "Do B (B)", 0)]).endswith(
        "none of them stopped any.")
    three = [_control("none", "t", 0, attacks=2), _control("a", "Do A (A)", 2, 2), _control("b", "Do B (B)", 2, 2), _control("c", "Do C (C)", 2, 2)]
    assert matrix_line(three).endswith("2 attacks that worked: do A, do B and do C each stopped both.")
    two_one = [_control("none", "t", 0, attacks=1), _control("a", "Do A (A)", 1, 1), _control("b", "Do B (B)", 1, 1)]
    assert matrix_line(two_one).endswith("1 attack that worked: do A and do B each stopped it.")
    assert matrix_line([_control("none", "t", 0, attacks=0)]).startswith("The attack x defense matrix had no attack")


def test_one_defense_and_one_attack_read_as_one():
    assert matrix_line([_control("none", "t", 0, attacks=1), _control("a", "Do A (A)", 1, attacks=1)]) == (
        "1 published defense was run against 1 attack that worked: do A stopped it.")
    assert matrix_line([_control("none", "t", 0, attacks=1), _control("a", "Do A (A)", 0, attacks=1)]).endswith(
        "1 attack that worked: it did not stop it.")
    assert matrix_line([_control("none", "t", 0, attacks=1), _control("a", "Do A (A)", 0, attacks=1),
                        _control("b", "Do B (B)", 0, attacks=1)]).endswith("none of them stopped it.")
