"""Sentences built from counts read right at 0, 1 and many."""

from ui.words import count_of


def test_counts_take_the_plural_except_for_one():
    assert count_of(0, "submission") == "0 submissions"
    assert count_of(1, "submission") == "1 submission"
    assert count_of(2, "blue verdict") == "2 blue verdicts"
    assert count_of(1200, "step") == "1,200 steps"
    assert count_of(3, "quiz", "quizzes") == "3 quizzes" and count_of(1, "quiz", "quizzes") == "1 quiz"


def test_places_in_line_read_as_ordinals():
    from ui.words import ordinal

    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]


def test_a_queued_job_says_its_place_and_when_it_starts():
    from backdoor.busy import JOBS, Waiting
    from ui.waiting import in_line

    slots = JOBS.slot_count()
    assert in_line(Waiting(1, 0.0)) == f"Next in line for the server (it runs {slots} heavy jobs at once)..."
    assert in_line(Waiting(2, 15.0)) == (f"2nd in line for the server (it runs {slots} heavy jobs at once), about 15 s "
                                         "until it starts...")
