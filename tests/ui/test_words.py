"""Sentences built from counts read right at 0, 1 and many."""

from ui.words import count_of


def test_counts_take_the_plural_except_for_one():
    assert count_of(0, "submission") == "0 submissions"
    assert count_of(1, "submission") == "1 submission"
    assert count_of(2, "blue verdict") == "2 blue verdicts"
    assert count_of(1200, "step") == "1,200 steps"
    assert count_of(3, "quiz", "quizzes") == "3 quizzes" and count_of(1, "quiz", "quizzes") == "1 quiz"
