"""The library's shared wording, at its edges: none, one, two and more."""

from __future__ import annotations

from backdoor.wording import agree, all_of, and_list, chance, count_of, never_rounded, none_of, whole_percent


def test_names_are_listed_with_and_before_the_last():
    assert and_list([]) == ""
    assert and_list(["STRIP"]) == "STRIP" and and_list(["ANP", "STRIP"]) == "ANP and STRIP"
    assert and_list(["AC", "SS", "ABL"]) == "AC, SS and ABL"
    assert and_list((0, 1, 2)) == "0, 1 and 2"  # seeds are numbers


def test_counts_take_the_plural_except_for_one():
    assert count_of(0, "submission") == "0 submissions"
    assert count_of(1, "submission") == "1 submission"
    assert count_of(2, "blue verdict") == "2 blue verdicts"
    assert count_of(1200, "step") == "1,200 steps"
    assert count_of(3, "quiz", "quizzes") == "3 quizzes" and count_of(1, "quiz", "quizzes") == "1 quiz"


def test_a_verb_agrees_with_its_count():
    assert [agree(n, "was", "were") for n in (0, 1, 2, 1000)] == ["were", "was", "were", "were"]


def test_all_and_none_of_read_right_for_one_two_and_more():
    assert [all_of(n, "attack") for n in (1, 2, 6)] == ["the attack", "both attacks", "all 6 attacks"]
    assert [none_of(n, "attack") for n in (1, 2, 6)] == ["none", "neither attack", "none of the 6 attacks"]


def test_the_pages_use_the_same_list():
    from ui import words

    assert words.and_list is and_list and words.count_of is count_of and words.agree is agree


def test_a_fraction_is_never_rounded_onto_its_ends():
    assert [never_rounded(x) for x in (0.0, 0.0004, 0.0005, 0.5, 0.9994, 0.9996, 1.0)] == [
        "0.0%", "under 0.1%", "0.1%", "50.0%", "99.9%", "over 99.9%", "100.0%"]
    assert never_rounded(0.0004, under="fewer than") == "fewer than 0.1%"
    assert [never_rounded(x, 2, percent=False) for x in (0.0, 0.004, 0.5, 0.996, 1.0)] == [
        "0.00", "under 0.01", "0.50", "over 0.99", "1.00"]


def test_what_guessing_scores_is_said_to_the_tenth_shown():
    assert [chance(k) for k in (10, 8, 2, 3, 1)] == ["10%", "12.5%", "50%", "33.3%", "100%"]


def test_a_whole_percent_is_never_rounded_onto_its_ends():
    """A model "100% sure" never doubts and one right "0%" of the time never is: in whole percent, a share
    near either end says so."""
    assert [whole_percent(x) for x in (0.0, 0.004, 0.006, 0.5, 0.994, 0.996, 1.0)] == [
        "0%", "under 1%", "1%", "50%", "99%", "over 99%", "100%"]
