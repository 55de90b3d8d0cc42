"""A data inspection's sentences stay true at 0, 1, both and all: nothing poisoned, nothing flagged,
every poisoned image caught or none."""

from backdoor.metrics import Evaluation
from ui.inspection_words import flags_sentence, retrained_sentence


def test_nothing_poisoned_makes_every_flag_a_false_alarm():
    assert flags_sentence(750, 0, 0) == ("Nothing was poisoned, so all 750 flagged training images are false alarms "
                                         "(precision 0.0%).")
    assert flags_sentence(1, 0, 0) == "Nothing was poisoned, so the one flagged training image is a false alarm (precision 0.0%)."
    assert flags_sentence(2, 0, 0) == "Nothing was poisoned, so both flagged training images are false alarms (precision 0.0%)."
    for flagged in (1, 2, 750):
        assert "recall" not in flags_sentence(flagged, 0, 0) and "of the 0" not in flags_sentence(flagged, 0, 0)


def test_nothing_flagged_is_said_plainly():
    assert flags_sentence(0, 0, 0) == "It flagged no training image, and rightly: nothing was poisoned."
    assert flags_sentence(0, 0, 40) == "It flagged no training image, so it missed all 40 poisoned images (recall 0.0%)."
    assert flags_sentence(0, 0, 1) == "It flagged no training image, so it missed the only poisoned image (recall 0.0%)."
    assert "precision" not in flags_sentence(0, 0, 40) and "Of the 0" not in flags_sentence(0, 0, 40)


def test_one_flagged_image_either_way():
    assert flags_sentence(1, 1, 1) == ("The one flagged training image **was** poisoned (precision 100.0%); it catches "
                                       "the only poisoned image (recall 100.0%, F1 1.00).")
    assert flags_sentence(1, 1, 40) == ("The one flagged training image **was** poisoned (precision 100.0%); it catches "
                                        "1 of the 40 poisoned images (recall 2.5%, F1 0.05).")
    assert flags_sentence(1, 0, 40) == ("The one flagged training image was **not** poisoned (precision 0.0%); it "
                                        "misses all 40 poisoned images (recall 0.0%, F1 0.00).")


def test_counts_agree_with_their_verbs():
    assert flags_sentence(400, 399, 400) == ("Of the 400 flagged training images, **399** really were poisoned "
                                             "(precision 99.8%); they catch 399 of the 400 poisoned images (recall "
                                             "99.8%, F1 over 0.99).")
    assert flags_sentence(5, 1, 40).startswith("Of the 5 flagged training images, **1** really was poisoned (precision 20.0%)")
    assert flags_sentence(5, 2, 2) == ("Of the 5 flagged training images, **2** really were poisoned (precision 40.0%); "
                                       "they catch both poisoned images (recall 100.0%, F1 0.57).")
    assert flags_sentence(40, 40, 40).endswith("they catch all 40 poisoned images (recall 100.0%, F1 1.00).")
    assert flags_sentence(5, 0, 40) == ("**None** of the 5 flagged training images was poisoned (precision 0.0%); they "
                                        "miss all 40 poisoned images (recall 0.0%, F1 0.00).")
    assert "F1 under 0.01" in flags_sentence(1, 1, 1000)  # 1 of 1,000: never "F1 0.00" for a catch
    assert flags_sentence(2, 0, 1).startswith("**Neither** of the 2 flagged training images was poisoned")
    assert flags_sentence(2, 0, 1).endswith("they miss the only poisoned image (recall 0.0%, F1 0.00).")


def test_retrained_without_the_flagged_images():
    before, after = Evaluation(0.975, 0.96), Evaluation(0.961, 0.02)
    assert retrained_sentence(400, before, after, poisoned=True) == (
        "Retrained without the 400 flagged images: clean accuracy 96.1% (1.4 points lost), attack success 2.0% "
        "(it was 96.0%).")
    assert retrained_sentence(1, before, after, poisoned=True).startswith(
        "Retrained without the flagged image: clean accuracy 96.1%")
    assert retrained_sentence(0, before, before, poisoned=True) == (
        "Retrained with no image removed: clean accuracy 97.5% (no change), attack success 96.0% (it was 96.0%).")
    clean = retrained_sentence(750, Evaluation(0.975, 0.01), Evaluation(0.97, 0.0), poisoned=False)
    assert clean == ("Retrained without the 750 flagged images: clean accuracy 97.0% (0.5 points lost). Nothing was "
                     "poisoned, so there was no backdoor to remove: attack success 0.0% (it was 1.0%) counts the "
                     "model's own mistakes.")
