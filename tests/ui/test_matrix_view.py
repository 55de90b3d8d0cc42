"""What the Matrix page says follows the matrix's own numbers."""

import pytest




def _hand_matrix(strip_asr_on_wanet: float):
    from backdoor.matrix import AttackRow, Cell, Matrix

    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0), AttackRow("wanet", 0.15, 600, 0.97, 0.94, 7.0)]
    cells = [
        Cell("badnets", "none", 0.97, 1.0, 0.004, 0.0, "as trained"),
        Cell("badnets", "strip", 0.92, 0.0, 0.05, 2.0, "rejects"),
        Cell("wanet", "none", 0.97, 0.94, 0.004, 0.0, "as trained"),
        Cell("wanet", "strip", 0.93, strip_asr_on_wanet, 0.04, 2.0, "rejects"),
    ]
    return Matrix("k", "mnist-5k", 0.976, rows, cells, 10.0)


def test_the_matrix_is_read_from_its_own_numbers():
    from ui.matrix_view import read_matrix

    missed = read_matrix(_hand_matrix(0.9))
    assert "No defense took **WaNet**" in missed and "1 of 2: BadNets" in missed
    assert "No single defense stopped every attack" in missed
    caught = read_matrix(_hand_matrix(0.05))
    assert "2 of 2" in caught and "stopped every attack that worked" in caught
    assert "4.0 to 5.0 points" in caught


def test_the_reading_says_when_a_few_missed_images_keep_the_backdoor():
    from backdoor.matrix import AttackRow, Cell, Matrix
    from ui.matrix_view import read_matrix

    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0)]
    cells = [Cell("badnets", "none", 0.97, 1.0, 0.0, 0.0, "as trained"),
             Cell("badnets", "activation_clustering", 0.97, 0.9, 0.0, 9.0, "flagged 372", found=0.93)]
    text = read_matrix(Matrix("k", "mnist-5k", 0.97, rows, cells, 10.0))
    assert "found 372 of the 400 images poisoned by BadNets, yet the backdoor survived" in text
    assert "the 28 it missed were enough" in text


@pytest.mark.parametrize("found, words", [
    (399 / 400, "found 399 of the 400 images poisoned by BadNets, yet the backdoor survived retraining (90.0%): "
                "the 1 it missed was enough."),
    (1.0, "found every image poisoned by BadNets, yet the model retrained without them still sends 90.0% of triggered "
          "images where the attacker wanted."),
])
def test_a_detection_that_missed_one_or_none_is_told_in_true_words(found, words):
    from backdoor.matrix import AttackRow, Cell, Matrix
    from ui.matrix_view import read_matrix

    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0)]
    cells = [Cell("badnets", "none", 0.97, 1.0, 0.0, 0.0, "as trained"),
             Cell("badnets", "activation_clustering", 0.97, 0.9, 0.0, 9.0, "flagged", found=found)]
    text = read_matrix(Matrix("k", "mnist-5k", 0.97, rows, cells, 10.0))
    assert words in text


def test_the_defense_that_stopped_the_most_attacks_is_named():
    from backdoor.matrix import AttackRow, Cell, Matrix
    from ui.matrix_view import read_matrix

    # Fine-Pruning stops BadNets only (2% left, WaNet keeps 90%); STRIP stops both (0% and 5% left)
    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0), AttackRow("wanet", 0.15, 600, 0.97, 0.94, 7.0)]
    cells = [
        Cell("badnets", "none", 0.97, 1.0, 0.0, 0.0, "as trained"),
        Cell("badnets", "fine_pruning", 0.96, 0.02, 0.01, 5.0, "pruned"),
        Cell("badnets", "strip", 0.92, 0.0, 0.05, 2.0, "rejects"),
        Cell("wanet", "none", 0.97, 0.94, 0.0, 0.0, "as trained"),
        Cell("wanet", "fine_pruning", 0.96, 0.9, 0.01, 5.0, "pruned"),
        Cell("wanet", "strip", 0.93, 0.05, 0.04, 2.0, "rejects"),
    ]
    text = read_matrix(Matrix("k", "mnist-5k", 0.97, rows, cells, 10.0))
    assert "the defense that stopped the most is **STRIP** (2 of 2: BadNets and WaNet)" in text
    assert "Fine-Pruning missed WaNet." in text and "STRIP stopped every attack that worked" in text


def _two_by_two(asr: dict[tuple[str, str], float]):
    """BadNets and WaNet rows (both working, 100% and 94%), Fine-Pruning and STRIP columns at these ASRs."""
    from backdoor.matrix import AttackRow, Cell, Matrix

    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0), AttackRow("wanet", 0.15, 600, 0.97, 0.94, 7.0)]
    cells = [Cell("badnets", "none", 0.97, 1.0, 0.0, 0.0, "as trained"),
             Cell("wanet", "none", 0.97, 0.94, 0.0, 0.0, "as trained")]
    cells += [Cell(a, d, 0.96, value, 0.01, 5.0, "repaired") for (a, d), value in asr.items()]
    return Matrix("k", "mnist-5k", 0.97, rows, cells, 10.0)


def test_defenses_that_tie_are_both_named_and_neither_is_called_the_one_that_stopped_the_most():
    from ui.matrix_view import read_matrix

    one_each = read_matrix(_two_by_two({("badnets", "fine_pruning"): 0.02, ("wanet", "fine_pruning"): 0.9,
                                        ("badnets", "strip"): 0.8, ("wanet", "strip"): 0.05}))
    assert "the defense that stopped the most" not in one_each
    assert ("2 defenses tie for stopping the most: **Fine-Pruning** (1 of 2: BadNets), losing 1.0 points of clean "
            "accuracy against a clean model; **STRIP** (1 of 2: WaNet)") in one_each
    assert "missed" not in one_each and "No single defense stopped every attack" in one_each
    assert "stopped none" not in one_each
    one_only = read_matrix(_two_by_two({("badnets", "fine_pruning"): 0.02, ("wanet", "fine_pruning"): 0.9,
                                        ("badnets", "strip"): 0.8, ("wanet", "strip"): 0.6}))
    assert "STRIP stopped none of them." in one_only and "STRIP missed" not in one_only
    both_each = read_matrix(_two_by_two({("badnets", "fine_pruning"): 0.02, ("wanet", "fine_pruning"): 0.0,
                                         ("badnets", "strip"): 0.0, ("wanet", "strip"): 0.05}))
    assert "Here Fine-Pruning and STRIP each stopped every attack that worked; try other settings before trusting them" \
        in both_each


def test_when_no_defense_stops_any_attack_none_is_named_best():
    from ui.matrix_view import read_matrix

    text = read_matrix(_two_by_two({("badnets", "fine_pruning"): 0.5, ("wanet", "fine_pruning"): 0.9,
                                    ("badnets", "strip"): 0.8, ("wanet", "strip"): 0.6}))
    assert "No defense took **BadNets and WaNet** to 10% success or less." in text
    assert "stopped the most" not in text and "0 of 2" not in text and "missed" not in text
    assert "stopped none" not in text  # the sentence on the unstopped attacks has said it
    assert "Without a defense, all 2 attacks hijack at least 90% of triggered images" in text


@pytest.mark.parametrize("asrs, words", [
    ((1.0,), "Without a defense, the attack hijacks at least 90%"),
    ((0.6,), "Without a defense, the attack does not hijack at least 90%"),
    ((1.0, 0.6), "Without a defense, 1 of the 2 attacks hijacks at least 90%"),
    ((0.6, 0.7), "Without a defense, none of the 2 attacks hijacks at least 90%"),
    ((0.3, 0.2), "BadNets and WaNet did not take hold in training (under 50% success), so their rows say little."),
    ((1.0, 0.2), "WaNet did not take hold in training (under 50% success), so its row says little."),
])
def test_the_count_of_working_attacks_reads_true_for_one_none_some_and_all(asrs, words):
    from backdoor.matrix import AttackRow, Cell, Matrix
    from ui.matrix_view import read_matrix

    names = ("badnets", "wanet")[:len(asrs)]
    rows = [AttackRow(a, 0.1, 400, 0.97, asr, 7.0) for a, asr in zip(names, asrs)]
    cells = [Cell(a, "none", 0.97, asr, 0.0, 0.0, "as trained") for a, asr in zip(names, asrs)]
    cells += [Cell(a, "strip", 0.92, 0.0, 0.05, 2.0, "rejects") for a in names]
    assert words in read_matrix(Matrix("k", "mnist-5k", 0.97, rows, cells, 10.0))


def test_repairs_tied_for_the_costliest_are_all_named():
    from ui.matrix_view import read_matrix

    asr = {("badnets", "fine_pruning"): 0.02, ("wanet", "fine_pruning"): 0.9, ("badnets", "strip"): 0.0,
           ("wanet", "strip"): 0.05}
    text = read_matrix(_two_by_two(asr))  # every repair in _two_by_two costs 1.0 point
    assert ("The costliest were Fine-Pruning on BadNets, Fine-Pruning on WaNet, STRIP on BadNets and STRIP "
            "on WaNet: each 1.0 points of clean accuracy lost against a clean model.") in text  # STRIP is no repair


def test_the_one_costliest_and_a_matrix_that_cost_nothing():
    from dataclasses import replace

    from ui.matrix_view import read_matrix

    matrix = _two_by_two({("badnets", "fine_pruning"): 0.02, ("wanet", "fine_pruning"): 0.9, ("badnets", "strip"): 0.0,
                          ("wanet", "strip"): 0.05})
    one = replace(matrix, cells=[replace(c, drop=0.03) if (c.attack, c.defense) == ("badnets", "strip") else c
                                 for c in matrix.cells])
    assert "The costliest was STRIP on BadNets: 3.0 points of clean accuracy lost against a clean model." in (
        read_matrix(one))
    free = replace(matrix, cells=[replace(c, drop=min(c.drop, 0.0) - 0.001 * (c.defense == "strip"))
                                  for c in matrix.cells])  # -0.1 points is a gain, not a cost
    assert "None of the defenses cost any clean accuracy against a clean model." in read_matrix(free)


def test_lists_of_attacks_in_the_reading_end_with_and():
    from backdoor.matrix import AttackRow, Cell, Matrix
    from ui.matrix_view import read_matrix

    # STRIP stops all three; Fine-Pruning stops BadNets only, missing the other two; nothing stops SIG
    attacks = ["badnets", "blended", "wanet", "sig"]
    rows = [AttackRow(a, 0.1, 400, 0.97, 1.0, 7.0) for a in attacks]
    strip = {"badnets": 0.0, "blended": 0.0, "wanet": 0.05, "sig": 0.9}
    pruning = {"badnets": 0.0, "blended": 0.9, "wanet": 0.9, "sig": 0.9}
    cells = [c for a in attacks for c in (Cell(a, "none", 0.97, 1.0, 0.0, 0.0, "as trained"),
                                          Cell(a, "strip", 0.93, strip[a], 0.04, 2.0, "rejects"),
                                          Cell(a, "fine_pruning", 0.96, pruning[a], 0.01, 5.0, "pruned"))]
    text = read_matrix(Matrix("k", "mnist-5k", 0.97, rows, cells, 10.0))
    assert "**STRIP** (3 of 4: BadNets, Blended and WaNet)" in text
    assert "Fine-Pruning missed Blended, WaNet and SIG (clean-label)." in text
    assert "No defense took **SIG (clean-label)**" in text


def test_a_heat_map_cell_never_rounds_an_attack_onto_0_or_100_percent():
    from ui.matrix_view import cell_percent

    assert [cell_percent(v) for v in (0.0, 0.2, 0.5, 0.51, 50.0, 99.49, 99.5, 99.8, 100.0)] == [
        "0%", "<1%", "<1%", "1%", "50%", "99%", ">99%", ">99%", "100%"]


def test_the_table_for_a_phone_reads_each_cell_as_both_maps_do():
    from ui.matrix_view import table_rows

    rows = table_rows(_hand_matrix(0.0049))
    assert rows == [{"attack": "BadNets", "No defense": "100% · 0.4", "STRIP": "0% · 5.0"},
                    {"attack": "WaNet", "No defense": "94% · 0.4", "STRIP": "<1% · 4.0"}]  # 0.49%: never "0%"
    assert table_rows(_hand_matrix(0.5), {"wanet": "Hidden warp"})[1]["attack"] == "Hidden warp"
