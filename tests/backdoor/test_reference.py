"""BackdoorBench's published figures load as shipped, under the lab's names, and sit beside a matrix."""

from __future__ import annotations

import fnmatch
import tomllib

import pytest

from backdoor.attacks import ATTACKS
from backdoor.matrix import NO_DEFENSE, AttackRow, Cell, Matrix, matrix_columns, matrix_rows
from backdoor.reference import (ATTACK_NAMES, DATA, DEFENSE_NAMES, SETTING, agrees, explanations, missing_sentence,
                                pairs, points, published, published_table, results_table, shown_percent, verdict)
from conftest import ROOT


def test_the_data_file_holds_four_attacks_by_seven_columns():
    table = published_table()
    assert len(table) == 28
    assert {a for a, _ in table} == {"badnets", "blended", "wanet", "sig"}
    assert {d for _, d in table} == {NO_DEFENSE, "activation_clustering", "spectral_signatures", "neural_cleanse",
                                     "fine_pruning", "anp", "abl"}


def test_the_data_file_names_its_source_commit_and_setting():
    header = [line for line in DATA.read_text().splitlines() if line.startswith("#")]
    text = "\n".join(header)
    assert "b98eab46d5478b03cbb13831836a07754dbc46c6" in text and "2025-06-04" in text
    assert "CIFAR-10, PreAct-ResNet18, 10% of the training set poisoned, all-to-one" in text
    assert "b98eab46d5478b03cbb13831836a07754dbc46c6" in SETTING.data


def test_badnets_under_anp_is_the_published_figure():
    # BackdoorBench's leaderboard: BadNets + ANP, ASR 0.73%, clean accuracy 84.17%; no defense 91.32%
    found = published("badnets", "anp")
    assert found.asr == pytest.approx(0.0073, abs=5e-5)
    assert found.clean_acc == pytest.approx(0.8417, abs=5e-5)
    assert found.lost == pytest.approx(0.9132 - 0.8417)


def test_the_no_defense_row_loses_nothing_against_its_own_baseline():
    assert all(published(a, NO_DEFENSE).lost == 0.0 for a in ATTACK_NAMES)


@pytest.mark.parametrize("attack, defense", [("badnets-all-to-all", NO_DEFENSE), ("adap_blend", "anp"),
                                             ("badnets", "strip"), ("sig", "scale_up"), ("sticker", "abl")])
def test_pairs_backdoorbench_lacks_have_no_figures(attack, defense):
    assert published(attack, defense) is None


def test_the_mapping_uses_the_registries_names():
    assert set(ATTACK_NAMES) <= set(ATTACKS) and set(ATTACK_NAMES) <= set(matrix_rows())
    assert set(DEFENSE_NAMES) <= set(matrix_columns())


def test_the_data_file_ships_with_the_package():
    with open(ROOT / "pyproject.toml", "rb") as f:
        patterns = tomllib.load(f)["tool"]["setuptools"]["package-data"]["backdoor"]
    inside = DATA.relative_to(ROOT / "backdoor").as_posix()
    assert any(fnmatch.fnmatch(inside, p) for p in patterns)


def test_every_defense_with_figures_has_its_explanation():
    words = explanations()
    assert words["general"].strip()
    assert all(words["differs"][d]["text"].strip() for d in DEFENSE_NAMES)


@pytest.mark.parametrize("ours, theirs, said, same", [
    (0.0, 0.0, "agree: ≤10% in both", True),
    (1.0, 1.0, "agree: >10% in both", True),
    (0.1, 0.1, "agree: ≤10% in both", True),  # exactly 10% is stopped, as on the Matrix page
    (0.1, 0.1001, "differ: ≤10% here only", False),
    (1.0, 0.0, "differ: ≤10% in BackdoorBench only", False),
    (0.5, 0.5, "agree: >10% in both", True),
])
def test_a_defense_verdict_splits_at_ten_percent(ours, theirs, said, same):
    assert verdict("anp", ours, theirs) == said
    assert agrees("anp", ours, theirs) is same


@pytest.mark.parametrize("ours, theirs, said", [
    (0.5, 0.5, "agree: ≥50% in both"),
    (0.0, 0.0, "agree: <50% in both"),
    (0.4999, 1.0, "differ: ≥50% in BackdoorBench only"),
    (1.0, 0.1, "differ: ≥50% here only"),
])
def test_without_a_defense_the_verdict_is_whether_the_attack_took_hold(ours, theirs, said):
    assert verdict(NO_DEFENSE, ours, theirs) == said


@pytest.mark.parametrize("value, shown", [(0.0, "0.0%"), (1.0, "100.0%"), (0.1, "10.0%"), (0.10004, ">10.0%"),
                                          (0.09996, "<10.0%"), (0.0073333, "0.7%")])
def test_a_rate_is_never_rounded_onto_its_line(value, shown):
    assert shown_percent(value, 0.1) == shown


@pytest.mark.parametrize("lost, shown", [(0.025, "2.5"), (-0.046, "-4.6"), (-0.0001, "0.0"), (0.0, "0.0")])
def test_points_lost_have_one_decimal_and_no_negative_zero(lost, shown):
    assert points(lost) == shown


def _hand_matrix() -> Matrix:
    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0), AttackRow("adap_blend", 0.1, 400, 0.97, 1.0, 7.0)]
    cells = [Cell("badnets", NO_DEFENSE, 0.97, 1.0, 0.006, 0.0, "as trained"),
             Cell("badnets", "anp", 0.966, 1.0, 0.012, 5.0, "pruned nothing"),
             Cell("badnets", "strip", 0.92, 0.0, 0.05, 2.0, "rejects"),
             Cell("adap_blend", NO_DEFENSE, 0.97, 1.0, 0.0, 0.0, "as trained"),
             Cell("adap_blend", "anp", 0.97, 1.0, 0.0, 5.0, "pruned nothing")]
    return Matrix("k", "mnist-5k", 0.976, rows, cells, 10.0)


def test_only_the_pairs_both_tables_hold_are_set_side_by_side():
    found = pairs(_hand_matrix())
    assert [(p.ours.attack, p.ours.defense) for p in found] == [("badnets", NO_DEFENSE), ("badnets", "anp")]
    assert [p.agrees for p in found] == [True, False]


def test_the_results_table_has_a_line_per_pair_and_names_what_is_missing():
    text = results_table(_hand_matrix())
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + 2
    # ours 100% / 1.2 points; BackdoorBench 0.7% / 91.32 - 84.17 = 7.15 points, 7.1 or 7.2 by float rounding
    assert lines[3].startswith("| BadNets | ANP (Adversarial Neuron Pruning) | 100.0% / 1.2 | 0.7% / 7.")
    assert lines[3].endswith("| differ: ≤10% in BackdoorBench only |")
    assert "Adap-Blend and STRIP" in missing_sentence(_hand_matrix()) and SETTING.url in text
