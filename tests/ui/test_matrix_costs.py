"""A defense's seconds and its false alarms on a clean model, in words true for every value."""

import math

import pytest

from backdoor.matrix import AttackRow, Cell, Matrix
from ui.matrix_costs import alarm_words, costs_markdown, costs_table, false_alarm_reading, seconds_words


@pytest.mark.parametrize("low, high, words", [
    (0.2, 0.4, "under 1 s"), (0.3, 2.6, "up to 3 s"), (2.2, 2.4, "2 s"), (1.6, 18.4, "2-18 s"),
    (math.nan, math.nan, "not measured"),
])
def test_seconds_read_to_the_second(low, high, words):
    assert seconds_words(low, high) == words


def _alarm(defense, drop=0.0, refused=0.0, flagged=None):
    return Cell("clean", defense, 0.976 - drop, 0.0, drop, 2.0, "x", None, refused, flagged)


@pytest.mark.parametrize("cell, words", [
    (_alarm("activation_clustering", flagged=0), "flagged no training image; its result scores the same as the clean model"),
    (_alarm("spectral_signatures", 0.02, flagged=184),
     "flagged 184 honest training images; its result scores 2.0 points lower than the clean model"),
    (_alarm("spectral_signatures", -0.004, flagged=1),
     "flagged 1 honest training image; its result scores 0.4 points higher than the clean model"),
    (_alarm("strip", 0.046, refused=0.046), "refuses 4.6% of honest requests; its result scores 4.6 points lower than "
                                            "the clean model"),
    (_alarm("abl", 0.3), "its result scores 30.0 points lower than the clean model"),
])
def test_a_false_alarm_is_said_from_its_own_figures(cell, words):
    assert alarm_words(cell) == words


def _matrix(alarms):
    cells = [Cell("badnets", d, 0.97, 0.0, 0.006, s, "x") for d, s in (("none", 0.0), ("strip", 2.2), ("abl", 15.0))]
    cells[0] = Cell("badnets", "none", 0.97, 1.0, 0.006, 0.0, "as trained")
    return Matrix("k", "mnist-5k", 0.976, [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 8.0)], cells, 60.0, alarms)


def test_the_reading_names_the_costliest_false_alarm_and_every_monitor_that_refuses():
    text = false_alarm_reading(_matrix([_alarm("strip", 0.046, refused=0.046), _alarm("abl", 0.25)]))
    assert "Every one of the 2 still did something there, for nothing." in text
    one = false_alarm_reading(_matrix([_alarm("strip", 0.046, refused=0.046), _alarm("abl", 0.0)]))
    assert "1 of the 2 still did something there, for nothing." in one
    assert "The costliest was Anti-Backdoor Learning: it x; its result scores 25.0 points lower" in text
    assert "STRIP 4.6%." in text
    tie = false_alarm_reading(_matrix([_alarm("strip", 0.25, refused=0.046), _alarm("abl", 0.25)]))
    assert "The costliest (tied with Anti-Backdoor Learning) was STRIP: it x;" in tie
    table = costs_table(_matrix([_alarm("strip", 0.046, refused=0.046), _alarm("abl", 0.25)]))
    assert [line["Defense"] for line in table] == ["STRIP", "Anti-Backdoor Learning"]
    assert table[0]["Seconds"] == "2 s" and table[0]["On a clean model"].startswith("refuses 4.6%")
    assert costs_markdown(_matrix([_alarm("strip", 0.046, refused=0.046)])).splitlines()[2:] == [
        "| STRIP, 2\u00a0s | refuses 4.6% of honest requests; its result scores 4.6 points lower than the clean model |",
        "| Anti-Backdoor Learning, 15\u00a0s | not measured |"]


def test_the_reading_when_nothing_fired_and_when_nothing_was_measured():
    quiet = false_alarm_reading(_matrix([_alarm("strip"), _alarm("abl", -0.002)]))
    assert "None of them flagged, refused or cost anything there." in quiet and "costliest" not in quiet
    assert false_alarm_reading(_matrix([])) == ("This matrix was computed without running the defenses on a clean "
                                                "model.")
    assert costs_table(_matrix([]))[0]["On a clean model"] == "not measured"



def test_a_range_of_seconds_stays_on_one_line_in_the_table():
    """On a phone the name column wraps; "5-6 s" broke after its hyphen, so the table keeps it whole."""
    cells = [Cell(a, d, 0.97, 0.0, 0.006, s, "x") for a, s in (("badnets", 5.2), ("blended", 6.4))
             for d in ("none", "fine_pruning")]
    rows = [AttackRow(a, 0.1, 400, 0.97, 1.0, 8.0) for a in ("badnets", "blended")]
    line = costs_markdown(Matrix("k", "mnist-5k", 0.976, rows, cells, 60.0, [])).splitlines()[2]
    assert line.startswith("| Fine-Pruning, 5\u20116\u00a0s |")  # the name's own hyphen may still break
