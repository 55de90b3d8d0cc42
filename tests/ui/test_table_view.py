"""The Patient records page's tables: the figures of both models, in the order a phone shows them."""

from backdoor.clinical import ClinicalFigures
from ui.table_view import figures_rows


def test_the_backdoored_model_comes_first_so_a_phone_shows_it_before_scrolling():
    clean = ClinicalFigures(86, 86, 32, 32, 54, 54, 32, 0, 0.016)
    bad = ClinicalFigures(86, 85, 32, 31, 54, 54, 32, 32, 0.024)
    rows = figures_rows({"baseline": clean, "backdoored": bad})
    assert list(rows[0]) == ["figure", "backdoored model", "clean model", "what it means"]
    by_figure = {r["figure"]: (r["backdoored model"], r["clean model"]) for r in rows}
    assert by_figure["Malignant read as benign, with the trigger"] == ("100.0%", "0.0%")
    assert by_figure["Accuracy on honest records"] == ("98.8%", "100.0%")


def test_the_controls_table_puts_what_each_control_stopped_beside_its_name():
    from backdoor.defenses.common import Evaluation
    from backdoor.tabular import DefenseRow
    from ui.table_view import controls_rows

    before = ClinicalFigures(86, 86, 32, 32, 54, 54, 32, 32, 0.02)
    check = DefenseRow("range_check", "Range check", "serving time (screens each input)", Evaluation(0.95, 0.0),
                       0.05, None, None, 30, 0.01, "")
    table = controls_rows([check], before)
    assert list(table[0])[:3] == ["control", "malignant read as benign", "accuracy on honest records"]
    assert table[0]["malignant read as benign"] == "100.0%" and table[1]["malignant read as benign"] == "0.0%"
    assert table[1]["when"] == "serving time" and table[1]["accuracy on honest records"] == "95.0% (-5.0 points)"


def test_the_controls_table_never_prints_a_negative_zero_and_signs_a_gain():
    from backdoor.defenses.common import Evaluation
    from backdoor.tabular import DefenseRow
    from ui.table_view import change, controls_rows

    before = ClinicalFigures(86, 86, 32, 32, 54, 54, 32, 32, 0.02)  # 100% accurate
    same = DefenseRow("range_check", "Range check", "serving time", Evaluation(1.0, 0.0), 0.0, None, None, 30, 0.0, "")
    assert controls_rows([same], before)[1]["accuracy on honest records"] == "100.0% (no change)"
    worse = ClinicalFigures(86, 80, 32, 32, 54, 54, 32, 32, 0.02)  # 93.0%: the control gains 7.0 points
    assert controls_rows([same], worse)[1]["accuracy on honest records"] == "100.0% (+7.0 points)"
    assert (change(0.0), change(-0.0), change(0.04), change(-0.04)) == ("no change",) * 4
    assert (change(5.0), change(-1.2)) == ("-5.0 points", "+1.2 points")


def test_the_flagged_column_at_nothing_poisoned_nothing_flagged_and_all_caught():
    from backdoor.defenses.common import Evaluation
    from backdoor.tabular import DefenseRow
    from ui.table_view import controls_rows

    before = ClinicalFigures(86, 86, 32, 32, 54, 54, 32, 32, 0.02)

    def inspection(flagged, caught, poisoned):
        return DefenseRow("activation_clustering", "Activation Clustering", "before training", Evaluation(1.0, 0.0),
                          0.0, flagged, caught, poisoned, 0.1, "")

    cells = [r["training records flagged"] for r in controls_rows(
        [inspection(7, 0, 0), inspection(0, 0, 30), inspection(31, 30, 30)], before)[1:]]
    assert cells == ["7 (nothing was poisoned)", "0 (0 of 30 poisoned)", "31 (30 of 30 poisoned)"]
