"""Round 2 of "Can you spot it?": which attacks it plays, the poisoned set it draws from, and its sentences."""

from __future__ import annotations

import torch

from backdoor.attacks import ALL_TO_ALL, SIG, BadNets, Blended, PoisonConfig, WaNet, poison
from backdoor.scenario import Scenario
from backdoor.train import TrainConfig
from ui.spot_it import draw_round, score_sentence
from ui.spot_it_faint import DRAWN_APART, contrast, faint_attacks, faint_scenario


def test_round_2_plays_the_three_invisible_attacks_in_the_registry_order():
    assert faint_attacks("mnist-5k") == ["blended", "wanet", "sig"]


def test_the_faint_scenario_keeps_the_labs_data_and_seeds_and_takes_the_attacks_defaults():
    lab = Scenario(poison=PoisonConfig(rate=0.3, target=4, seed=7), train=TrainConfig(seed=7), data_seed=7)
    faint = faint_scenario(lab, "sig")
    assert (faint.attack, faint.trigger) == ("sig", SIG())
    assert faint.poison == PoisonConfig(rate=0.08, target=4, seed=7)
    assert (faint.dataset, faint.model, faint.train, faint.data_seed) == (lab.dataset, lab.model, lab.train, 7)
    assert faint_scenario(lab, "wanet").poison == PoisonConfig(rate=0.2, target=4, seed=7)


def test_an_all_to_all_lab_sends_round_2_to_class_0():
    lab = Scenario(poison=PoisonConfig(rate=0.15, target=ALL_TO_ALL))
    assert faint_scenario(lab, "blended").poison == PoisonConfig(rate=0.1, target=0, seed=0)


def test_a_round_on_the_faint_set_shows_eight_images_with_its_poisoned_ones_among_them(mnist):
    # the same set poison() makes from the clean training data with Blended's defaults, 10%, seed 0
    poisoned = poison(mnist.x_train, mnist.y_train, Blended(), PoisonConfig(rate=0.1, target=0, seed=0), 10)
    assert poisoned.num_poisoned == 400  # 10% of 4,000
    indices, truth = draw_round(poisoned, 0, 0)
    assert len(indices) == len(set(indices)) == 8 and 2 <= len(truth) <= 4
    assert all(bool(poisoned.poisoned_mask[i]) == (i in truth) for i in indices)
    clean = [i for i in indices if i not in truth]
    assert torch.equal(poisoned.x[clean], mnist.x_train[clean])  # the clean ones are the untouched pictures
    assert (indices, truth) == draw_round(poisoned, 0, 0)  # the same seed and round, the same pictures


def test_a_wanet_round_never_shows_a_cover_image_as_clean(mnist):
    poisoned = poison(mnist.x_train, mnist.y_train, WaNet(), PoisonConfig(rate=0.2, target=0, seed=0), 10)
    for number in range(3):
        indices, truth = draw_round(poisoned, number, 0)
        assert not any(bool(poisoned.cover_mask[i]) for i in indices if i not in truth)


def test_the_score_sentence_counts_one_false_alarm_in_the_singular():
    assert score_sentence({"found": 2, "missed": 1, "false_alarms": 1}, 3) == (
        "You found **2 of 3** poisoned images, missed 1, and accused 1 clean image. ")
    assert score_sentence({"found": 0, "missed": 4, "false_alarms": 0}, 4).endswith("accused 0 clean images. ")


def test_round_2_alone_asks_for_round_1():
    assert contrast(None, 1, 3, "blended") == (
        "You found 1 of 3 faint Blended images. Play round 1 above to compare with the scenario's own trigger.")


def test_a_lower_share_in_round_2_reads_but_only():
    assert contrast((3, 3, "badnets"), 1, 4, "blended") == (
        "In round 1 you found 3 of 3 visible BadNets images, but only 1 of 4 faint Blended images: "
        "a faint trigger hides where a patch cannot.")
    assert contrast((1, 2, "badnets"), 1, 3, "wanet").startswith(  # 1/3 < 1/2
        "In round 1 you found 1 of 2 visible BadNets images, but only 1 of 3 faint WaNet images")


def test_every_faint_image_found_is_a_sharp_eye_even_after_a_perfect_round_1():
    assert contrast((2, 2, "badnets"), 3, 3, "sig") == (
        "In round 1 you found 2 of 2 visible BadNets images, and 3 of 3 faint SIG (clean-label) images: a sharp "
        "eye, side by side with clean pictures. Among thousands of training images, nobody looks that closely.")


def test_the_same_share_or_better_without_finding_all_reads_neither_was_easy():
    assert contrast((0, 3, "badnets"), 0, 2, "blended") == (
        "In round 1 you found 0 of 3 visible BadNets images, and 0 of 2 faint Blended images: neither round was easy.")
    assert contrast((1, 4, "wanet"), 2, 4, "blended").startswith("In round 1 you found 1 of 4 faint WaNet images, and")


def test_round_2_shows_other_pictures_than_round_1_though_both_attacks_poison_the_same_ones(mnist):
    visible = poison(mnist.x_train, mnist.y_train, BadNets(), PoisonConfig(rate=0.1, target=0, seed=0), 10)
    faint = poison(mnist.x_train, mnist.y_train, Blended(), PoisonConfig(rate=0.1, target=0, seed=0), 10)
    assert torch.equal(visible.poisoned_mask, faint.poisoned_mask)  # why round 2 must draw apart
    first, _ = draw_round(visible, 0, 0)
    second, _ = draw_round(faint, DRAWN_APART, 0)
    assert not set(first) & set(second)
