"""The instant panel's sentences, at 0%, 100%, ties and both directions of a difference."""

from ui.instant_words import (accuracy_sentence, attack_sentence, baseline_accuracy_sentence,
                              baseline_attack_sentence, off_grid_sentence, poisoned_sentence)


def test_poisoned_sentence_says_what_was_touched():
    assert poisoned_sentence(0, 4000, False) == "Nothing poisoned: all 4,000 training images are untouched."
    assert poisoned_sentence(1, 4000, False) == ("1 image of the 4,000 in the training set (under 0.1%) carries the "
                                                "trigger and a false label.")
    assert poisoned_sentence(1, 4000, True).endswith("carries the trigger and keeps its true label.")
    assert "400 images of the 4,000 in the training set (10.0%)" in poisoned_sentence(400, 4000, False)
    assert poisoned_sentence(400, 4000, False).endswith("a false label.")
    assert poisoned_sentence(320, 4000, True).endswith("keep their true label.")


def test_accuracy_sentence_at_a_tie_behind_and_ahead():
    assert accuracy_sentence(0.972, 0.976, 500) == ("Right on 97.2% of 500 ordinary test images, as good as the "
                                                    "clean model (97.6%): an accuracy check would pass it.")
    assert "1.1 points behind the clean model (97.6%)" in accuracy_sentence(0.965, 0.976, 500)
    assert "2.0 points ahead" in accuracy_sentence(0.98, 0.96, 500)
    assert "as good as" in accuracy_sentence(0.985, 0.975, 500)  # exactly 1.0 point apart: equally good
    assert "as good as" in accuracy_sentence(0.0, 0.0, 500) and "Right on 0.0%" in accuracy_sentence(0.0, 0.0, 500)
    assert "Right on 100.0%" in accuracy_sentence(1.0, 1.0, 500)


def test_attack_sentence_says_whether_the_backdoor_works():
    assert attack_sentence(1.0, "'0'") == ("With the trigger on, 100.0% of images from other classes are read as "
                                          "'0': the backdoor works.")
    assert attack_sentence(0.5, "'0'").endswith("the backdoor works.")
    assert attack_sentence(0.499, "'0'").endswith("has not taken hold.")
    assert attack_sentence(0.0, "the next class (all-to-all)").startswith("With the trigger on, 0.0% of")


def test_the_clean_models_sentences_and_the_off_grid_note():
    assert baseline_accuracy_sentence(0.976, 500) == ("The clean model, trained on untouched data, is right on "
                                                      "97.6% of the same 500 images.")
    assert baseline_attack_sentence(0.004, "'0'").startswith("The clean model reads 0.4% of triggered images as '0'")
    assert "(for this attack it has 0.125%, 2.5% and 10%)" in off_grid_sentence([0.125, 2.5, 10.0])
    assert off_grid_sentence([]).startswith("No pre-trained models for this attack")
    assert "train it yourself" in off_grid_sentence([10.0]).lower()
