"""What the Matrix page says follows the matrix's own numbers."""




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
    assert "found 93% of the images poisoned by BadNets, yet the backdoor survived" in text and "the 28 it missed" in text


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
    assert "the defense that stopped the most is **STRIP** (2 of 2: BadNets, WaNet)" in text
    assert "Fine-Pruning missed WaNet." in text and "STRIP stopped every attack that worked" in text
