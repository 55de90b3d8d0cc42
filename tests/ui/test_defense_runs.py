"""The Defend page's sentence before a run: what it counts, and what opens at once."""

from __future__ import annotations

from ui.defense_runs import how_long_words

TOOK = " takes about 20 s on this server"


def test_nothing_ready_counts_every_chosen_defense():
    assert how_long_words(1, [], TOOK) == "Running this defense takes about 20 s on this server."
    assert how_long_words(3, [], TOOK) == "Running these 3 defenses takes about 20 s on this server."


def test_the_ones_already_run_are_named_so_the_figure_reads_true():
    assert how_long_words(3, ["Activation Clustering"], TOOK) == (
        "Running these 3 defenses takes about 20 s on this server (Activation Clustering already ran on this "
        "model here: its result opens at once).")
    assert how_long_words(4, ["STRIP", "SCALE-UP"], ": still being measured") == (
        "Running these 4 defenses: still being measured (STRIP and SCALE-UP already ran on this model here: their "
        "results open at once).")
