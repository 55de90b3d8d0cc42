"""The Explain page's reading of one triggered image, at lifts below, near and far above 1."""

from __future__ import annotations

from ui.explain import one_image_reading, times


def test_lifts_read_as_whole_numbers_only_from_ten_up():
    assert times(37.4) == "37 times" and times(10.0) == "10 times" and times(9.96) == "10 times"
    assert times(2.24) == "2.2 times" and times(1.0) == "1.0 times" and times(0.4) == "0.4 times"
    assert times(0.0) == "0.0 times"


def test_one_image_reads_in_the_present_for_both_models():
    text = one_image_reading("0", 1.0, 0.75, 37.2, 0.02, 1.0, "the 4x4 patch in the bottom-right corner")
    assert text == ("With the trigger, the backdoored model says '0' (100%) and puts **75%** of its attribution on "
                    "the 4x4 patch in the bottom-right corner: **37 times** what the area's size would suggest. The "
                    "clean model, shown the same image, puts 2% there (1.0 times).")
    nearly = one_image_reading("0", 0.9996, 0.004, 0.2, 0.0, 0.0, "the whole image")
    assert nearly.startswith("With the trigger, the backdoored model says '0' (over 99%) and puts **under 1%** of")
    faint = one_image_reading("3", 0.55, 0.01, 0.4, 0.0, 0.0, "the whole image")
    assert "**0.4 times**" in faint and "(0.0 times)" in faint


def test_nothing_poisoned_is_not_called_the_backdoored_model():
    text = one_image_reading("3", 0.9, 0.01, 0.4, 0.0, 0.0, "the whole image", "model trained on the lab's data")
    assert text.startswith("With the trigger, the model trained on the lab's data says '3'") and "backdoored" not in text
