"""The class dashboard's sentence on the smallest dose: true for one student, ties, and clean models only."""

from __future__ import annotations

from ui.dashboard import dose_sentence


def trained(nickname: str, rate: float, asr: float) -> dict:
    return {"nickname": nickname, "attack": "badnets", "poison_rate": rate, "target": 0, "clean_acc": 0.97,
            "asr": asr, "baseline_clean_acc": 0.97}


def test_one_student_is_named_with_their_figure():
    assert dose_sentence([trained("Ada", 0.1, 1.0)]) == (
        "1 model trained. The smallest dose anyone tried, 10.0% of the images, gave an attack success rate of "
        "100.0% (Ada).")


def test_everyone_at_the_smallest_dose_is_named_and_a_spread_is_a_range():
    same = dose_sentence([trained("Ada", 0.1, 1.0), trained("Ben", 0.1, 1.0), trained("Cy", 0.2, 1.0)])
    assert same.endswith("gave an attack success rate of 100.0% (Ada and Ben).") and same.startswith("3 models trained.")
    spread = dose_sentence([trained("Ada", 0.01, 0.85), trained("Ben", 0.01, 1.0), trained("Ada", 0.01, 0.9)])
    assert spread.endswith("1.0% of the images, gave attack success rates from 85.0% to 100.0% (Ada and Ben).")


def test_clean_models_are_no_dose():
    assert dose_sentence([trained("Ada", 0.0, 0.002)]) == (
        "1 model trained. No one has poisoned any images yet: every model here learnt from clean data.")
    assert "dose anyone tried, 5.0%" in dose_sentence([trained("Ada", 0.0, 0.002), trained("Ben", 0.05, 0.7)])
