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


def test_models_that_learnt_nothing_are_counted_and_said_to_be_left_out():
    """A learning rate of 1.0 gives a model that answers one class for everything: its "attack success" is no
    dose's effect, so the plot leaves it out and the sentence says so, for one, several and all of them."""
    one = dose_sentence([trained("Ada", 0.1, 1.0)], left_out=1)
    assert one == ("2 models trained. 1 of them learnt nothing (clean accuracy at the level of guessing, as a "
                   "learning rate of 1.0 can give) and is left out: its attack success says nothing about a trigger. "
                   "The smallest dose anyone tried, 10.0% of the images, gave an attack success rate of 100.0% (Ada).")
    assert "3 of them learnt nothing" in dose_sentence([trained("Ada", 0.1, 1.0)], left_out=3)
    assert "and are left out: their attack success" in dose_sentence([trained("Ada", 0.1, 1.0)], left_out=3)
    assert dose_sentence([], left_out=1) == ("1 model trained. It learnt nothing (clean accuracy at the level of "
                                             "guessing, as a learning rate of 1.0 can give), so it is left out: its "
                                             "attack success says nothing about a trigger.")
    assert dose_sentence([], left_out=2).startswith("2 models trained. None of them learnt anything")
    clean_plotted = dose_sentence([trained("Ada", 0.0, 0.002)], left_out=1)
    assert clean_plotted.endswith("Every model plotted learnt from clean data: none had poisoned images.")
    assert "No one has poisoned" not in clean_plotted  # the one left out may well have been poisoned


def test_a_nickname_in_markdown_is_named_as_typed():
    """The sentence is Markdown under the plot: a nickname is escaped there as in the roster."""
    sentence = dose_sentence([trained("*Ada*", 0.1, 1.0), trained("[Ben](http://e.co)", 0.1, 1.0)])
    assert sentence.endswith("(\\*Ada\\* and \\[Ben\\]\\(http\\:\u2060//e\\.co\\)).")
