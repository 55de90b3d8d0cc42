"""Where the Classroom page's preset figures come from, in words, at none, some, one and all measured here."""

from __future__ import annotations

from ui.session_timings import figures_note


def test_the_note_says_which_figures_were_measured_here():
    assert figures_note(6, 6) == "Every figure was measured on this server, on the very models the pages show."
    none = figures_note(0, 6)
    assert none.startswith('A figure marked "(expected)" is what `make warm` measured on a 2-core laptop')
    assert "measured on this server, on the very" not in none
    assert figures_note(1, 6).startswith("1 of 6 presets shows figures measured on this server")
    assert figures_note(2, 6).startswith("2 of 6 presets show figures measured on this server")
    assert '"(expected)"' in figures_note(5, 6)
