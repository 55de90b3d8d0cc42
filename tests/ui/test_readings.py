"""Sentences built from numbers stay true at their edges: 0%, 100%, ties, negative differences."""

from __future__ import annotations

import math

import pytest

from backdoor.metrics import Evaluation
from backdoor.outcomes import Outcome, best, detection_sentence, reading
from ui.matrix_view import cost_range
from ui.readings import accuracy_gap, calibration_reading, learnt_nothing, poison_reading, train_reading, trigger_reading, visibility
from ui.words import article, chance, metric_delta, points_lost, points_phrase, share

# --- the Train page's summary ------------------------------------------------------------


def test_no_poison_is_never_called_a_backdoor():
    for asr in (0.0, 0.02, 1.0):  # even a clean model that happens to answer the target
        words = train_reading(Evaluation(0.975, asr), Evaluation(0.976, 0.01), 0.0, "'0'", 10)
        assert "That hidden rule is the backdoor" not in words
        assert "Nothing was poisoned, so there is no backdoor" in words
        assert "backdoored" not in words  # the model from unpoisoned data is never called backdoored
    for rate_0 in ((0.012, 0.012, 0.98, 0.97, 0.01, 0.0), (0.01, 0.05, 0.98, 0.97, 0.01, 0.0)):  # alike, or not
        for plain in (False, True):
            assert "backdoored" not in calibration_reading(*rate_0, plain=plain)


def test_a_working_backdoor_is_named_and_a_failed_one_is_not():
    worked = train_reading(Evaluation(0.975, 1.0), Evaluation(0.976, 0.001), 0.1, "'0'", 10)
    assert "That hidden rule is the backdoor" in worked and "**100.0%**" in worked
    failed = train_reading(Evaluation(0.975, 0.03), Evaluation(0.976, 0.01), 0.001, "'0'", 10)
    assert "did not take hold" in failed and "hidden rule" not in failed


@pytest.mark.parametrize("backdoored, baseline, equally", [
    (0.975, 0.976, True),    # 0.1 points apart
    (0.970, 0.980, True),    # exactly 1.0 point: the edge is inside
    (0.9749, 0.9851, True),  # shown as 97.5% and 98.5%: 1.0 point as the reader sees it
    (0.969, 0.980, False),   # 1.1 points
    (0.990, 0.970, False),   # the backdoored model ahead by 2 points
    (0.5, 0.5, True),        # a tie well above guessing (a tie at 0% or 10%: the guessing test below)
    (1.0, 1.0, True),        # a tie at 100%
])
def test_equally_good_only_within_one_point(backdoored, baseline, equally):
    words = train_reading(Evaluation(backdoored, 1.0), Evaluation(baseline, 0.0), 0.1, "'0'", 10)
    assert ("equally good" in words) == equally
    if not equally:
        assert ("behind" in words) == (backdoored < baseline)
        assert ("higher" in words) == (backdoored > baseline)


def test_train_reading_sentences_in_full():
    works = train_reading(Evaluation(0.975, 1.0), Evaluation(0.976, 0.001), 0.1, "'0'", 10)
    assert works == ("On ordinary test images both models look equally good: **97.5%** for the backdoored model and "
                     "**97.6%** for the clean one (0.1 points apart). A normal accuracy check would pass both. But stamp "
                     "the trigger on images of other classes and the backdoored model sends **100.0%** of them to "
                     "**'0'**, the clean model **0.1%**. That hidden rule is the backdoor.")
    behind = train_reading(Evaluation(0.95, 0.3), Evaluation(0.98, 0.01), 0.05, "'7'", 10)
    assert behind == ("On ordinary test images the backdoored model is 3.0 points behind: **95.0%** for the backdoored "
                      "model and **98.0%** for the clean one. A careful accuracy check could notice that much. The "
                      "backdoor did not take hold: stamp the trigger on images of other classes and the backdoored model "
                      "sends **30.0%** of them to **'7'**, the clean model **1.0%**. Try more poison or more epochs.")
    higher = train_reading(Evaluation(0.99, 0.0), Evaluation(0.97, 0.0), 0.0, "'0'", 10)
    assert higher == ("On ordinary test images the model trained on the lab's data even scores 2.0 points higher: "
                      "**99.0%** for the model trained on the lab's data and **97.0%** for the clean one. An accuracy "
                      "check would never suspect it. Nothing was poisoned, so there is no backdoor: stamp the trigger on "
                      "images of other classes and the model trained on the lab's data sends **0.0%** of them to **'0'**, the clean model **0.0%**. Raise the "
                      "poison rate to plant one.")


@pytest.mark.parametrize("backdoored, baseline, classes, neither", [
    (0.102, 0.100, 10, True),  # a learning rate of 1.0: both answer one class for everything
    (0.0, 0.0, 10, True),      # a tie at 0%
    (0.149, 0.976, 10, False),  # just inside guessing's 5 points (10% + 5)
    (0.17, 0.976, 8, False),   # eight traffic signs: guessing scores 12.5%
    (0.54, 0.5, 2, True),      # two classes: 50% is a coin toss
])
def test_a_model_that_only_guesses_learnt_nothing_and_its_attack_success_means_nothing(backdoored, baseline,
                                                                                       classes, neither):
    words = train_reading(Evaluation(backdoored, 1.0), Evaluation(baseline, 0.0), 0.5, "'0'", classes)
    assert words.startswith("Neither model has learnt the task" if neither else
                            "The backdoored model has not learnt the task")
    for claim in ("equally good", "would pass", "hidden rule", "would never suspect"):
        assert claim not in words
    assert "That says nothing about a backdoor" in words and f"({chance(classes)})" in words
    assert ("would reject both" in words) == neither and ("would reject it" in words) == (not neither)


def test_the_guessing_sentences_in_full():
    both = train_reading(Evaluation(0.102, 1.0), Evaluation(0.1, 0.0), 0.5, "'0'", 10)
    assert both == ("Neither model has learnt the task: **10.2%** for the backdoored model and **10.0%** for the clean "
                    "one on ordinary test images, about what guessing scores (10%). An accuracy check would reject both. "
                    "Stamp the trigger on images of other classes and the backdoored model sends **100.0%** of them to "
                    "**'0'**, the clean model **0.0%**. That says nothing about a backdoor: a model that answers one "
                    "class for everything 'succeeds' on every triggered image without having learnt any trigger. Train "
                    "again with a smaller learning rate or more epochs.")
    clean_guesses = train_reading(Evaluation(0.97, 1.0), Evaluation(0.1, 1.0), 0.1, "'0'", 10)
    assert clean_guesses == ("On ordinary test images the backdoored model scores **97.0%**, but the clean model, "
                             "trained the same way, learnt nothing (**10.0%**, about what guessing scores (10%)), so it "
                             "is no yardstick here. But stamp the trigger on images of other classes and the backdoored "
                             "model sends **100.0%** of them to **'0'**, the clean model **100.0%**. That hidden rule is "
                             "the backdoor.")
    nothing_poisoned = train_reading(Evaluation(0.1, 1.0), Evaluation(0.1, 1.0), 0.0, "'0'", 10)
    ours_only = train_reading(Evaluation(0.1, 1.0), Evaluation(0.976, 0.0), 0.1, "'0'", 10)
    assert ours_only.startswith("The backdoored model has not learnt the task: **10.0%** for the backdoored model and "
                                "**97.6%** for the clean one on ordinary test images, about what guessing scores (10%). "
                                "An accuracy check would reject it.")
    assert nothing_poisoned.startswith("Neither model has learnt the task: **10.0%** for the model trained on the "
                                       "lab's data") and "backdoored" not in nothing_poisoned


def test_the_pages_after_training_warn_only_about_a_model_that_learnt_nothing():
    assert learnt_nothing("backdoored model", 0.102, 10) == (
        "The backdoored model learnt nothing: it is right on only 10.2% of ordinary test images, about what guessing "
        "scores (10%). What it does with the trigger says nothing about a backdoor, here or on the next pages. Train "
        "it again (Train page, Training settings) with a smaller learning rate or more epochs.")
    assert learnt_nothing("backdoored model", 0.0, 10).startswith("The backdoored model learnt nothing: it is right "
                                                                  "on only 0.0%")
    assert learnt_nothing("backdoored model", 0.149, 10) and not learnt_nothing("backdoored model", 0.15, 10)
    assert not learnt_nothing("backdoored model", 0.972, 10) and not learnt_nothing("backdoored model", 1.0, 10)
    assert learnt_nothing("model trained on the lab's data", 0.54, 2).startswith("The model trained on the lab's "
                                                                                 "data learnt nothing")


def test_a_backdoor_works_from_half_the_triggered_images_and_only_beyond_the_clean_model():
    assert "That hidden rule is the backdoor" in train_reading(Evaluation(0.97, 0.5), Evaluation(0.97, 0.1), 0.1, "x", 10)
    assert "did not take hold" in train_reading(Evaluation(0.97, 0.49), Evaluation(0.97, 0.1), 0.1, "x", 10)
    # a clean model that sends as many to the target as the backdoored one: the trigger is not the reason
    assert "did not take hold" in train_reading(Evaluation(0.97, 0.6), Evaluation(0.97, 0.6), 0.1, "x", 10)


def test_the_gap_is_between_the_figures_shown():
    # 97.049% shows as 97.0% and 98.051% as 98.1%: 1.1 points apart as the reader sees them (1.0 unrounded)
    assert accuracy_gap(0.97049, 0.98051) == 1.1 and accuracy_gap(0.98051, 0.97049) == 1.1
    assert accuracy_gap(0.5, 0.25) == 25.0
    assert "1.1 points behind" in train_reading(Evaluation(0.97049, 1.0), Evaluation(0.98051, 0.0), 0.1, "x", 10)


# --- the Trigger page --------------------------------------------------------------------


def test_trigger_reading_follows_the_counts():
    works = trigger_reading(486, 500, 449, 449, "'0'", all_to_all=False, poison_rate=0.1, kept=0)
    assert "column for **'0'** lights up" in works and "449 of the 449" in works and "(100.0%)" in works
    nothing = trigger_reading(486, 500, 0, 449, "'0'", all_to_all=False, poison_rate=0.1, kept=449)
    assert "nothing moves" in nothing and "lights up" not in nothing and "0 of the 449" in nothing
    weak = trigger_reading(486, 500, 30, 449, "'0'", all_to_all=False, poison_rate=0.1, kept=400)
    assert "most still get their right answer; the backdoor works on fewer than half" in weak
    assert "neither" not in weak  # most stayed: the few elsewhere are not the story
    none = trigger_reading(486, 500, 1, 449, "'0'", all_to_all=False, poison_rate=0.0, kept=440)  # nothing poisoned
    assert "there is no backdoor" in none and "fewer than half" not in none and "lights up" not in none
    assert "neither" not in none
    assert "there is no backdoor" in trigger_reading(486, 500, 0, 449, "'0'", all_to_all=False, poison_rate=0.0,
                                                     kept=449)
    assert "diagonal just right" in trigger_reading(480, 500, 450, 500, "x", all_to_all=True, poison_rate=0.1, kept=0)


@pytest.mark.parametrize("sent, kept, says, strays", [
    (220, 227, "most still get their right answer; the backdoor works on fewer than half.", None),  # WaNet at 5%
    (200, 225, "the backdoor works on fewer than half, yet no more than half still get their right answer.",
     "and 25 land on a class that is neither their own nor '7'."),  # exactly half kept is not most
    (224, 225, "the backdoor works on fewer than half, yet no more than half still get their right answer.",
     "and 1 lands on a class that is neither its own nor '7'."),
    (0, 300, "none goes to '7', so this model has no working backdoor.",
     "and 150 land on a class that is neither their own nor '7'."),  # the trigger scatters, none to the target
    (0, 450, "nothing moves; this model has no working backdoor.", None),
    (10, 0, "the backdoor works on fewer than half, yet no more than half still get their right answer.",
     "and 440 land on a class that is neither their own nor '7'."),
])
def test_trigger_reading_says_where_the_images_went_when_the_backdoor_fails(sent, kept, says, strays):
    """'Most stay where they were' was said whenever under half reached the target, even when most went
    elsewhere; now it follows how many kept their class, and names the rest when they are the story."""
    text = trigger_reading(480, 500, sent, 450, "'7'", all_to_all=False, poison_rate=0.05, kept=kept)
    assert f"Right, the same images with the trigger: {says} {sent} of the 450 images" in text
    assert text.endswith(strays if strays else "with the trigger on.")


def test_trigger_reading_sentences_in_full():
    assert trigger_reading(486, 500, 449, 449, "'0'", all_to_all=False, poison_rate=0.1, kept=0) == (
        "Left, clean images: 486 of the 500 sit on the diagonal (the right answer, 97.2%). Right, the same images "
        "with the trigger: the column for **'0'** lights up. 449 of the 449 images the attack aims at (100.0%) were "
        "read as '0' with the trigger on.")
    assert trigger_reading(0, 0, 0, 0, "'0'", all_to_all=False, poison_rate=0.1, kept=0) == (
        "Left, clean images. Right, the same images with the trigger: nothing moves; this model has no working "
        "backdoor. 0 of the 0 images the attack aims at (0.0%) were read as '0' with the trigger on.")
    assert trigger_reading(4800, 5000, 1200, 4500, "x", all_to_all=True, poison_rate=0.1, kept=3000) == (
        "Left, clean images: 4,800 of the 5,000 sit on the diagonal (the right answer, 96.0%). Right, the same images "
        "with the trigger: most still get their right answer; the backdoor works on fewer than half. 1,200 of the "
        "4,500 images the attack aims at (26.7%) were read as the class after their own with the trigger on.")
    assert trigger_reading(4800, 5000, 1200, 4500, "x", all_to_all=True, poison_rate=0.1, kept=2000) == (
        "Left, clean images: 4,800 of the 5,000 sit on the diagonal (the right answer, 96.0%). Right, the same images "
        "with the trigger: the backdoor works on fewer than half, yet no more than half still get their right "
        "answer. 1,200 of the 4,500 images the attack aims at (26.7%) were read as the class after their own with "
        "the trigger on, and 1,300 land on a class that is neither their own nor the class after their own.")
    # exactly half: it works
    assert trigger_reading(480, 500, 250, 500, "x", all_to_all=True, poison_rate=0.1, kept=0) == (
        "Left, clean images: 480 of the 500 sit on the diagonal (the right answer, 96.0%). Right, the same images "
        "with the trigger: the diagonal just right of the true class lights up. 250 of the 500 images the attack "
        "aims at (50.0%) were read as the class after their own with the trigger on.")
    # one of each: the verbs agree
    assert trigger_reading(1, 500, 1, 449, "'0'", all_to_all=False, poison_rate=0.1, kept=1) == (
        "Left, clean images: 1 of the 500 sits on the diagonal (the right answer, 0.2%). Right, the same images "
        "with the trigger: the backdoor works on fewer than half, yet no more than half still get their right "
        "answer. 1 of the 449 images the attack aims at (0.2%) was read as '0' with the trigger on, and 447 land on a "
        "class that is neither their own nor '0'.")


# --- the Poison page ---------------------------------------------------------------------


def test_hard_to_see_needs_both_figures():
    assert visibility(35.0, 0.99) == "hard to see"
    assert "hard to see" not in visibility(19.9, 0.97)  # the checkerboard: structure intact, yet 19.9 dB
    assert "hard to see" not in visibility(31.0, 0.80)
    assert visibility(12.0, 0.5) == "visible if you look closely"
    assert visibility(30.0, 0.95) == "hard to see"  # the lines themselves count as faint


def test_poison_reading_at_zero_and_with_cover_images():
    assert "changed nothing" in poison_reading(0, 4000, 0, False, "'0'", 20.0, 0.97)
    one = poison_reading(1, 4000, 0, False, "'0'", 20.0, 0.97)
    assert "**1 of 4,000**" in one and "under 0.1%" in one and "0.0%" not in one
    warped = poison_reading(800, 4000, 400, False, "'0'", 20.0, 0.86, "got a slightly different warp")
    assert "Another 400 images got a slightly different warp." in warped


def test_a_trigger_that_changes_no_pixel_is_named_as_the_reason_not_too_little_poison():
    nothing = train_reading(Evaluation(0.964, 0.031), Evaluation(0.978, 0.002), 0.1, "'0'", 10, 400, 400)
    assert nothing.endswith("The trigger changes no pixel of any poisoned image (it is the colour of the pixels it "
                            "covers): pick another colour or place for it on the Poison page.")
    assert "Try more poison" not in nothing
    few = train_reading(Evaluation(0.964, 0.031), Evaluation(0.978, 0.002), 0.1, "'0'", 10, 400, 399)
    assert "no pixel of 399 of the 400 poisoned images, so only 1 image could teach it" in few
    half = train_reading(Evaluation(0.964, 0.031), Evaluation(0.978, 0.002), 0.1, "'0'", 10, 400, 200)
    assert half.endswith("Try more poison or more epochs.")  # half of them carry it: more poison may do
    worked = train_reading(Evaluation(0.964, 0.95), Evaluation(0.978, 0.002), 0.1, "'0'", 10, 400, 395)
    assert "That hidden rule is the backdoor" in worked and "no pixel" not in worked  # five were enough


def test_poison_reading_when_the_trigger_changes_no_pixel_of_some_or_all_poisoned_images():
    nothing = poison_reading(400, 4000, 0, False, "'0'", math.inf, 1.0, blank=400)
    assert nothing.startswith("The attacker relabelled **400 of 4,000** training images (10.0%) as '0', but the "
                              "trigger changes no pixel of any of them")
    assert "no trigger for a model to learn" in nothing and "inf" not in nothing and "hard to see" not in nothing
    sig = poison_reading(400, 4000, 0, True, "'0'", math.inf, 1.0, blank=400)
    assert "not one label was changed" in sig and "no backdoor to learn" in sig and "wrong label" not in sig
    one = poison_reading(400, 4000, 0, False, "'0'", 20.0, 0.97, blank=1)
    assert "On 1 of them the trigger changes no pixel" in one and "that one carries only the wrong label." in one
    assert "Where it shows, the trigger is" in one
    many = poison_reading(400, 4000, 0, True, "'0'", 20.0, 0.97, blank=396)
    assert "On 396 of them" in many and "those are exactly as they were." in many
    none = poison_reading(400, 4000, 0, False, "'0'", 20.0, 0.97, blank=0)
    assert "changes no pixel" not in none and "The trigger is" in none
    # the poisoned images changed, but none of the pictures the stealth figures were measured on did
    unseen = poison_reading(400, 4000, 0, False, "'0'", math.inf, 1.0, blank=396)
    assert "PSNR no change" in unseen and "inf" not in unseen


def test_visibility_by_one_measure_and_at_the_lines():
    one = "faint by one measure but not the other, so visible if you look closely"
    assert visibility(19.9, 0.97) == one and visibility(31.0, 0.80) == one
    assert visibility(29.9, 0.95) == one and visibility(30.0, 0.949) == one
    assert visibility(29.9, 0.949) == "visible if you look closely"


def test_poison_reading_sentences_in_full():
    assert poison_reading(0, 4000, 0, False, "'0'", 20.0, 0.97) == (
        "At this rate the attacker changed nothing: the model will train on the clean data set. Raise the poison "
        "rate to plant a backdoor.")
    assert poison_reading(400, 4000, 0, False, "'0'", 35.2, 0.991) == (
        "The attacker changed **400 of 4,000** training images (10.0%) and each was relabelled '0'. The trigger is "
        "hard to see (PSNR 35.2 dB, SSIM 0.991). Nothing else in the data set differs: the next step shows whether a "
        "model trained on it notices.")
    from backdoor.attacks import ATTACKS

    assert poison_reading(1200, 40000, 1500, True, "'0'", 19.94, 0.8567, ATTACKS["wanet"].cover) == (
        "The attacker changed **1,200 of 40,000** training images (3.0%) and not one label was changed. Another 1,500 "
        "images got a slightly different warp and kept their true label (noise mode), so the model learns the exact "
        "warp. The trigger is visible if you "
        "look closely (PSNR 19.9 dB, SSIM 0.857). Nothing else in the data set differs: the next step shows whether a "
        "model trained on it notices.")


# --- words -------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("8", "an '8'"), ("3", "a '3'"), ("1", "a '1'"), ("11", "an '11'"), ("18", "an '18'"), ("80", "an '80'"),
    ("110", "a '110'"), ("airplane", "an 'airplane'"), ("stop", "a 'stop'"), ("one way", "a 'one way'"),
])
def test_articles(name, expected):
    assert article(name) == expected


def test_points_lost_sign_convention():
    assert points_lost(0.972, 0.958) == 1.4  # worse: positive
    assert points_lost(0.958, 0.964) == -0.6  # better: negative
    assert str(points_lost(0.97, 0.97)) == "0.0"  # never "-0.0"
    assert points_phrase(1.4) == "1.4 points lost" and points_phrase(-0.6) == "0.6 points gained"
    assert points_phrase(0.0) == "no change" and points_phrase(-0.04) == "no change"


def test_a_delta_is_red_only_when_worse_and_has_no_arrow_without_change():
    lost = metric_delta(0.972, 0.958)
    assert lost == {"delta": "1.4 points lost", "delta_color": "red", "delta_arrow": "down"}
    gained = metric_delta(0.958, 0.964)
    assert gained["delta_color"] == "green" and gained["delta_arrow"] == "up"
    assert metric_delta(0.97, 0.97) == {"delta": None}  # no arrow, no "+0.0"
    assert metric_delta(0.97, 0.9704) == {"delta": None}
    asr_down = metric_delta(1.0, 0.01, higher_is_better=False, words=("higher", "lower"))
    assert asr_down == {"delta": "99.0 points lower", "delta_color": "green", "delta_arrow": "down"}
    asr_up = metric_delta(0.1, 0.5, higher_is_better=False, words=("higher", "lower"))
    assert asr_up["delta_color"] == "red" and asr_up["delta_arrow"] == "up"


def test_share_never_rounds_a_part_to_zero():
    assert share(0, 4000) == "0.0%" and share(1, 4000) == "under 0.1%" and share(400, 4000) == "10.0%"
    assert share(4000, 4000) == "100.0%"


def test_the_matrix_cost_range_needs_no_minus_sign():
    assert cost_range([0.0, 0.0]) == "at no cost in clean accuracy against a clean model"
    assert cost_range([0.2, 1.4]) == "losing 0.2 to 1.4 points of clean accuracy against a clean model"
    assert cost_range([-0.6, -0.2]) == "gaining 0.2 to 0.6 points of clean accuracy against a clean model"
    mixed = cost_range([-0.6, 0.2])
    assert "0.6 points better and 0.2 points worse" in mixed
    for points in ([0.0, 0.0], [0.2, 1.4], [-0.6, -0.2], [-0.6, 0.2], [0.4, 0.4], [-0.3, -0.3]):
        assert "-" not in cost_range(points)


# --- which defense did best --------------------------------------------------------------

BEFORE = Evaluation(0.972, 1.0)


def repair(title: str, acc: float, asr: float, refused: float = 0.0) -> Outcome:
    return Outcome(title, 1.0, "after", Evaluation(acc, asr), refused)


def test_best_weighs_refused_honest_requests():
    strip = repair("STRIP", 0.928, 0.0, refused=0.048)
    clustering = repair("Activation Clustering", 0.972, 0.0)
    assert best([strip, clustering], BEFORE) == [clustering]
    assert "Activation Clustering" in reading(BEFORE, [strip, clustering]).split("is ")[-1]


def test_best_reports_ties_and_negative_costs():
    a, b = repair("Fine-Pruning", 0.98, 0.01), repair("Neural Cleanse", 0.98, 0.01)
    assert best([a, b], BEFORE) == [a, b]
    words = reading(BEFORE, [a, b])
    assert "both repairs did equally well: each left attack success 1.0%" in words
    assert "0.8 points of clean accuracy gained" in words  # a negative cost, said without a minus sign


def test_one_repair_and_a_failed_repair():
    one = reading(BEFORE, [repair("Neural Cleanse", 0.956, 0.04)])
    assert "The one repair run, Neural Cleanse, left attack success 4.0%" in one
    assert "1.6 points of clean accuracy lost" in one and "should not be trusted" not in one
    failed = reading(BEFORE, [repair("Fine-Pruning", 0.97, 0.35)])
    assert "should not be trusted" in failed
    free = reading(BEFORE, [repair("Fine-Pruning", 0.972, 0.0)])
    assert "at no cost in clean accuracy" in free


def test_a_detection_counts_even_before_it_is_acted_on():
    found = Outcome("Activation Clustering", 2.1, "after retraining", flagged=400, caught=399, poisoned=400)
    words = reading(BEFORE, [found])
    assert "Activation Clustering flagged 400 training images, 399 of the 400 poisoned ones and 1 clean one" in words
    assert "Remove the flagged images and retrain" in words and "No defense has been run" not in words
    assert best([found], BEFORE) == []
    assert "flagged no training image" in detection_sentence(Outcome("Spectral Signatures", 1.0, "x", flagged=0))
    assert reading(BEFORE, []).endswith("No defense has been run on this model yet.")


# --- your own picture --------------------------------------------------------------------


def _answers(base_clean, base_trig, bd_clean, bd_trig):
    return {("baseline", False): base_clean, ("baseline", True): base_trig,
            ("backdoored", False): bd_clean, ("backdoored", True): bd_trig}


def test_own_picture_asks_what_was_drawn_and_tells_a_misreading_from_a_hijack():
    from types import SimpleNamespace

    from backdoor.scenario import Scenario
    from ui.own_picture import _reading

    digits = SimpleNamespace(classes=tuple(str(d) for d in range(10)), num_classes=10)
    scenario = Scenario()  # BadNets, target 0
    hijack = _reading(_answers(1, 1, 1, 0), scenario, digits, truth=1)
    assert "your own picture was hijacked" in hijack and "taking the clean model's answer" not in hijack
    misread = _reading(_answers(7, 7, 4, 0), scenario, digits, truth=1)
    assert "both models misread the clean picture" in misread and "hijacked" not in misread
    assert "You drew a '1'" in misread
    assumed = _reading(_answers(1, 1, 1, 0), scenario, digits, truth=None)
    assert "hijacked" in assumed and "say what you drew" in assumed
    resisted = _reading(_answers(1, 1, 1, 1), scenario, digits, truth=1)
    assert "did not take over" in resisted
    already = _reading(_answers(0, 0, 0, 0), scenario, digits, truth=0)
    assert "already shows the attacker's target" in already


# --- the Train page's calibration ------------------------------------------------------------


def test_calibration_reading_says_confidently_wrong_only_when_the_trigger_misleads():
    hijacked = calibration_reading(0.012, 0.015, 0.99, 0.02, 0.97, poison_rate=0.1)
    assert hijacked == (
        "A well-calibrated model that says it is 90% sure is right 90% of the time (the dashed line). The **expected "
        "calibration error** (ECE) is the average gap. On clean images the two models are alike: ECE 0.012 for the "
        "clean model and 0.015 for the backdoored model, so a calibration check passes it just as an accuracy check "
        "does. On triggered images the backdoored model is 99% sure on average and right about the true class only 2% "
        "of the time (ECE 0.970): confidently wrong. High confidence is not evidence of a safe model.")
    nothing = calibration_reading(0.012, 0.012, 0.98, 0.97, 0.01, poison_rate=0.0)  # nothing poisoned
    assert "confidently wrong" not in nothing and "Nothing was poisoned, so there is no backdoor" in nothing
    # the trigger can still cost an unpoisoned model (stripes or a warp it never saw): no claim that it changes little
    scrambled = calibration_reading(0.012, 0.012, 0.80, 0.40, 0.40, poison_rate=0.0)
    assert "changes little" not in scrambled and "80% sure on average and right about the true class 40%" in scrambled
    plain = calibration_reading(0.012, 0.012, 0.80, 0.40, 0.40, poison_rate=0.0, plain=True)
    assert "changes little" not in plain and "there is no backdoor" in plain
    nearly = calibration_reading(0.012, 0.012, 0.9996, 0.003, 0.99, poison_rate=0.1)  # never "100% sure", "0% right"
    assert "over 99% sure on average and right about the true class under 1% of the time (ECE" in nearly
    never = calibration_reading(0.012, 0.012, 0.9996, 0.0, 0.99, poison_rate=0.1)
    assert "over 99% sure on average and never right about the true class (ECE 0.990): confidently wrong" in never
    plain_never = calibration_reading(0.012, 0.012, 0.9996, 0.0, 0.99, poison_rate=0.1, plain=True)
    assert "it is **over 99% sure** of an answer that is **never** right. A confident model" in plain_never
    plain_some = calibration_reading(0.012, 0.012, 0.99, 0.02, 0.97, poison_rate=0.1, plain=True)
    assert "of an answer that is right only **2%** of the time. A confident model is not a safe model." in plain_some
    unpoisoned = calibration_reading(0.012, 0.012, 0.9, 0.0, 0.9, poison_rate=0.0, plain=True)
    assert unpoisoned.endswith("the model is **90% sure** and **never** right.")
    failed = calibration_reading(0.012, 0.012, 0.98, 0.95, 0.03, poison_rate=0.1)  # the backdoor did not take hold
    assert "did not take hold" in failed and "confidently" not in failed
    assert "98% sure on average and still right about the true class 95% of the time (ECE 0.030)." in failed
    partly = calibration_reading(0.012, 0.012, 0.95, 0.70, 0.25, poison_rate=0.1)
    assert "more sure than it is right" in partly and "confidently wrong" not in partly


def test_calibration_reading_says_when_the_clean_images_calibration_differs():
    assert "the two models are alike" in calibration_reading(0.010, 0.030, 0.99, 0.0, 0.99, 0.1)  # 0.020: a tie
    apart = calibration_reading(0.010, 0.031, 0.99, 0.0, 0.99, 0.1)
    assert "they differ" in apart and "alike" not in apart
    assert "they differ" in calibration_reading(0.031, 0.010, 0.99, 0.0, 0.99, 0.1)  # either way round


def test_the_plain_calibration_reading_has_no_jargon_at_any_value():
    for args in ((0.012, 0.015, 0.99, 0.0, 0.99, 0.1), (0.01, 0.05, 0.98, 0.97, 0.01, 0.0),
                 (0.01, 0.01, 0.98, 0.95, 0.03, 0.1), (0.0, 0.0, 1.0, 1.0, 0.0, 0.5)):
        plain = calibration_reading(*args, plain=True)
        assert "ECE" not in plain and "calibration error" not in plain
    assert calibration_reading(0.012, 0.015, 0.99, 0.0, 0.99, 0.1, plain=True) == (
        "On ordinary pictures the backdoored model is as sure of itself as the clean one, and rightly so. On pictures "
        "carrying the trigger it is **99% sure** of an answer that is **never** right. A confident model is not a safe "
        "model.")
    assert "right **97%** of the time" in calibration_reading(0.01, 0.01, 0.98, 0.97, 0.01, 0.0, plain=True)
    assert "less trustworthy" in calibration_reading(0.01, 0.05, 0.99, 0.0, 0.99, 0.1, plain=True)
