"""The reliability diagram's dots: sized by their images, and a sentence on the thin ones that is true
for every count (none thin, one, several, all; one image; no images at all)."""

from __future__ import annotations

import math

from backdoor.calibration import Calibration
from ui.calibration_view import FEW, LARGEST, SMALLEST, marker_sizes, reliability_chart, thin_bins_sentence


def curve(*counts: int) -> Calibration:
    return Calibration(0.01, [0.5 if n else math.nan for n in counts], [0.5 if n else math.nan for n in counts],
                       list(counts), 0.5, 0.5)


def curves(*each: tuple[int, ...]) -> dict:
    return {(kind, "clean"): curve(*counts) for kind, counts in zip(("baseline", "backdoored"), each)}


def test_the_fullest_bin_has_the_largest_dot_and_an_empty_one_the_smallest():
    assert marker_sizes([0, 25, 100], 100) == [SMALLEST, SMALLEST + (LARGEST - SMALLEST) / 2, LARGEST]
    assert marker_sizes([0], 0) == [SMALLEST]


def test_the_chart_sizes_dots_on_one_scale_and_names_each_dots_images():
    fig = reliability_chart(curves((0, 5, 400), (100,)))
    clean, backdoored = fig.data[1:]
    assert list(clean.customdata) == [5, 400] and list(backdoored.customdata) == [100]
    assert clean.marker.size[-1] == LARGEST and backdoored.marker.size[0] < LARGEST  # 100 of the 400 of the fullest
    assert "images" in clean.hovertemplate and fig.layout.legend.itemsizing == "constant"


def test_no_thin_bin():
    said = thin_bins_sentence(curves((0, 20, 400), (300,)))
    assert said.endswith(f"Every group here holds at least 20 images, so one image more or less moves no dot by more "
                         f"than {100 // FEW} points.")


def test_one_thin_bin_among_several_and_the_only_bin():
    assert "1 of the 3 dots stands for fewer than 20 images (it holds 1 image):" in thin_bins_sentence(
        curves((1, 400), (300,)))
    assert "The only dot stands for fewer than 20 images (it holds 19 images):" in thin_bins_sentence(curves((19,)))


def test_several_thin_bins_and_all_of_them():
    assert "2 of the 3 dots stand for fewer than 20 images (the smallest holds 3 images):" in thin_bins_sentence(
        curves((3, 0, 3), (400,)))  # a tie for the smallest
    assert "Every dot stands for fewer than 20 images (the smallest holds 2 images):" in thin_bins_sentence(
        curves((2, 7), (5,)))


def test_no_images_at_all_says_nothing():
    assert thin_bins_sentence(curves((0, 0), (0,))) == ""
