"""Luck: the matrix over three seeds, each cell's spread and the verdicts that flip."""

import pytest

from backdoor.matrix import AttackRow, Cell, Matrix, MatrixConfig
from backdoor.matrix_seeds import (SEEDS, flip_sentence, luck_summary, missing_seeds, seed_config, spread_text,
                                   spreads, stored_seeds)
from backdoor.train import TrainConfig


def _matrix(asr_after: dict[str, float], before: float = 1.0, drop: float = 0.01) -> Matrix:
    cells = [Cell("badnets", "none", 0.97, before, drop, 0.0, "as trained")]
    cells += [Cell("badnets", d, 0.96, a, drop + 0.01, 2.0, "x") for d, a in asr_after.items()]
    return Matrix("k", "mnist-5k", 0.98, [AttackRow("badnets", 0.1, 400, 0.97, before, 8.0)], cells, 60.0)


def _by_defense(found, defense):
    return next(s for s in found if s.defense == defense)


def test_a_seed_moves_the_split_the_poison_and_the_weights_and_nothing_else():
    config = MatrixConfig(train=TrainConfig(epochs=3))
    one = seed_config(config, 1)
    assert one.data_seed == 1 and one.train.seed == 1 and one.train.epochs == 3
    assert one.base().poison.seed == 1 and one.rows == config.rows and one.columns == config.columns
    assert seed_config(config, 0) == config  # the default is seed 0 already
    assert len({seed_config(config, s).key() for s in SEEDS}) == 3


def test_each_cell_spreads_from_its_lowest_to_its_highest_seed_and_flips_when_the_verdict_differs():
    found = spreads({0: _matrix({"activation_clustering": 0.002, "strip": 0.0}),
                     1: _matrix({"activation_clustering": 0.90, "strip": 0.0}),
                     2: _matrix({"activation_clustering": 0.10, "strip": 0.0})})
    ac, strip = _by_defense(found, "activation_clustering"), _by_defense(found, "strip")
    assert ac.asr == (0.002, 0.90) and ac.stopped_on == (0, 2) and ac.flips  # exactly 10% counts as stopped
    assert strip.asr == (0.0, 0.0) and strip.stopped_on == (0, 1, 2) and not strip.flips
    assert not _by_defense(found, "none").flips and _by_defense(found, "none").stopped_on == ()
    assert spread_text(ac) == "<1%–90%" and spread_text(strip) == "0%"  # 0.2% is not "0%": never rounded onto 0


def test_a_spread_never_rounds_onto_zero_or_a_hundred_and_one_figure_when_the_seeds_agree():
    def text(*asr: float) -> str:
        return spread_text(_by_defense(spreads({seed: _matrix({"strip": a}) for seed, a in enumerate(asr)}), "strip"))

    assert text(0.0, 1.0) == "0%–100%"
    assert text(0.004, 0.996) == "<1%–>99%"
    assert text(0.0, 0.0, 0.0) == "0%" and text(1.0, 1.0) == "100%"
    assert text(0.004, 0.003) == "<1%" and text(0.995, 0.999) == ">99%"  # they agree, to the shown figure
    assert text(0.121, 0.124) == "12%" and text(0.125, 0.5) == "12%–50%"


def test_an_attack_that_did_not_work_is_never_stopped_so_never_flips():
    found = spreads({0: _matrix({"strip": 0.0}, before=0.4), 1: _matrix({"strip": 0.0}, before=0.6)})
    strip = _by_defense(found, "strip")
    # it worked (60%) on seed 1 only, and was stopped there: seed 0 judges nothing, so no flip
    assert strip.stopped_on == (1,) and strip.took_hold == (1,) and not strip.flips
    assert spreads({}) == []


def test_a_seed_where_the_attack_failed_is_left_out_of_the_flip_and_said_apart():
    # stopped on seeds 0 and 1, and on seed 2 the attack itself stayed at 40%: not a flip
    found = spreads({0: _matrix({"strip": 0.02}), 1: _matrix({"strip": 0.03}), 2: _matrix({"strip": 0.01}, before=0.4)})
    strip = _by_defense(found, "strip")
    assert strip.took_hold == (0, 1) and strip.stopped_on == (0, 1) and not strip.flips
    # a real flip beside a failed seed: quoted on the seeds where it took hold, the failed one named apart
    found = spreads({0: _matrix({"strip": 0.02}), 1: _matrix({"strip": 0.8}), 2: _matrix({"strip": 0.01}, before=0.4)})
    strip = _by_defense(found, "strip")
    assert strip.flips and strip.stopped_on == (0,)
    assert flip_sentence(strip, lambda a: "BadNets", lambda d: "STRIP") == (
        "**STRIP** against **BadNets**: stopped it on seed 0 (2.0% of triggered images still hijacked), but not on "
        "seed 1 (80.0%); the attack did not take hold on seed 2.")
    two_failed = spreads({0: _matrix({"strip": 0.02}, before=0.1), 1: _matrix({"strip": 0.8}, before=0.5),
                          2: _matrix({"strip": 0.01}, before=0.49), 3: _matrix({"strip": 0.05})})
    strip = _by_defense(two_failed, "strip")
    assert strip.took_hold == (1, 3) and strip.stopped_on == (3,) and strip.flips  # exactly 50% took hold
    assert flip_sentence(strip, lambda a: "BadNets", lambda d: "STRIP").endswith(
        "stopped it on seed 3 (5.0% of triggered images still hijacked), but not on seed 1 (80.0%); the attack did "
        "not take hold on seeds 0 and 2.")


def test_the_luck_summary_judges_only_the_seeds_where_the_attack_took_hold():
    some = spreads({0: _matrix({"strip": 0.02}), 1: _matrix({"strip": 0.03}), 2: _matrix({"strip": 0.01}, before=0.4)})
    assert luck_summary(some).startswith("The one verdict (stopped or not) is the same on every seed where its "
                                         "attack took hold:")
    none = spreads({0: _matrix({"strip": 0.02}, before=0.1), 1: _matrix({"strip": 0.03}, before=0.0)})
    assert luck_summary(none) == "No attack took hold on any of these seeds, so no defense can be judged on them."
    every = spreads({0: _matrix({"strip": 0.02}), 1: _matrix({"strip": 0.03})})
    assert "is the same on both seeds" in luck_summary(every)


def test_the_flip_sentence_quotes_each_side_of_the_flip_and_reads_for_one_or_two_seeds():
    found = spreads({0: _matrix({"activation_clustering": 0.0}), 1: _matrix({"activation_clustering": 0.893}),
                     2: _matrix({"activation_clustering": 0.05})})
    text = flip_sentence(_by_defense(found, "activation_clustering"), lambda a: "BadNets", lambda d: "AC")
    assert text == ("**AC** against **BadNets**: stopped it on seeds 0 and 2 (0.0% and 5.0% of triggered images still "
                    "hijacked), but not on seed 1 (89.3%).")
    found = spreads({0: _matrix({"activation_clustering": 1.0}), 1: _matrix({"activation_clustering": 0.1}),
                     2: _matrix({"activation_clustering": 0.5})})
    text = flip_sentence(_by_defense(found, "activation_clustering"), lambda a: "BadNets", lambda d: "AC")
    assert "stopped it on seed 1 (10.0% of triggered" in text and "but not on seeds 0 and 2 (100.0% and 50.0%)." in text


@pytest.mark.parametrize("after, words", [
    ({0: 0.0, 1: 0.0}, "Every one of the 2 verdicts"),
    ({0: 0.0, 1: 0.9}, "1 of the 2 verdicts changes with the seed (stopped on one, not on another); 1 holds on both seeds"),
])
def test_the_luck_summary_counts_the_verdicts_that_hold(after, words):
    found = spreads({seed: _matrix({"activation_clustering": after[seed], "strip": 0.0}) for seed in (0, 1)})
    assert words in luck_summary(found)
    assert luck_summary([s for s in found if s.defense == "none"]) == "No defense was run on these seeds."


def test_the_luck_summary_when_every_verdict_flips():
    found = spreads({seed: _matrix({"activation_clustering": 0.9 * seed, "strip": 0.9 * seed}) for seed in (0, 1)})
    assert luck_summary(found).startswith("Every one of the 2 verdicts changes with the seed")
    assert "0 hold" not in luck_summary(found)
    strip_only = [s for s in found if s.defense == "strip"]
    assert luck_summary(strip_only).startswith("The one verdict changes with the seed")


def test_stored_seeds_are_read_from_the_store_and_the_missing_ones_named(tmp_path, monkeypatch):
    from backdoor.matrix import save_matrix

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path))
    config = MatrixConfig()
    assert missing_seeds(config) == [0, 1, 2] and stored_seeds(config) == {}
    save_matrix(seed_config(config, 1), _matrix({"strip": 0.0}))
    assert missing_seeds(config) == [0, 2] and list(stored_seeds(config)) == [1]
