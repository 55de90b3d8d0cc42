"""Every classroom preset reproduces the numbers it states."""

import pytest

from backdoor.scenario import train_model


@pytest.mark.trains
@pytest.mark.parametrize("name", ["classic-patch", "invisible-warp", "clean-label", "faint-blend", "all-to-all",
                                  "stop-sign-sticker"])
def test_presets_reproduce_their_stated_numbers(name):
    from backdoor.datasets import load_dataset
    from backdoor.presets import PRESETS, TOLERANCE
    from backdoor.scenario import trigger_report

    preset = PRESETS[name]
    dataset = load_dataset(preset.scenario.dataset)
    figures = trigger_report(train_model(dataset, preset.scenario, measure_asr=False).model, dataset,
                             preset.scenario)
    assert figures["clean_acc"] == pytest.approx(preset.expected_clean_acc, abs=TOLERANCE)
    assert figures["asr"] == pytest.approx(preset.expected_asr, abs=TOLERANCE)


# --- fast tests of the presets' settings (no training) ---------------------------------------------

def test_a_preset_attack_takes_the_attacks_own_trigger_and_rate_and_the_data_sets_model():
    from backdoor.attacks import BadNets, PoisonConfig, Sticker
    from backdoor.presets import _attack
    from backdoor.scenario import Scenario

    assert _attack("sticker", dataset="traffic-signs", target=3) == Scenario(
        dataset="traffic-signs", model="color-cnn", attack="sticker", trigger=Sticker(),
        poison=PoisonConfig(rate=0.1, target=3))
    assert _attack("wanet").poison == PoisonConfig(rate=0.2, target=0)  # WaNet needs 20% (its default)
    assert _attack("wanet").dataset == "mnist-5k" and _attack("wanet").model == "small-cnn"
    small = BadNets(size=2)
    assert _attack("badnets", target=-1, rate=0.15, trigger=small) == Scenario(
        attack="badnets", trigger=small, poison=PoisonConfig(rate=0.15, target=-1))
    assert _attack("badnets", rate=0.0).poison.rate == 0.0  # a rate of zero is a rate, not "the default"


def test_the_presets_are_the_attacks_their_stories_tell():
    from backdoor.presets import PRESETS

    assert list(PRESETS) == ["classic-patch", "stop-sign-sticker", "invisible-warp", "clean-label", "faint-blend",
                             "all-to-all"]
    attacks = {name: (p.scenario.attack, p.scenario.dataset, p.scenario.target, p.scenario.poison.rate)
               for name, p in PRESETS.items()}
    assert attacks == {
        "classic-patch": ("badnets", "mnist-5k", 0, 0.1),
        "stop-sign-sticker": ("sticker", "traffic-signs", 3, 0.1),
        "invisible-warp": ("wanet", "mnist-5k", 0, 0.2),
        "clean-label": ("sig", "mnist-5k", 0, 0.08),
        "faint-blend": ("blended", "mnist-5k", 0, 0.1),
        "all-to-all": ("badnets", "mnist-5k", -1, 0.15),
    }


def test_a_class_starts_at_its_preset_with_the_class_seed_everywhere():
    from dataclasses import replace

    from backdoor.presets import PRESETS, class_setup
    from backdoor.scenario import Scenario

    preset = PRESETS["stop-sign-sticker"].scenario
    assert class_setup("stop-sign-sticker", 42) == replace(
        preset, poison=replace(preset.poison, seed=42), train=replace(preset.train, seed=42), data_seed=42)
    lab = class_setup(None, 7)
    assert (lab.attack, lab.dataset, lab.poison.seed, lab.train.seed, lab.data_seed) == ("badnets", "mnist-5k", 7, 7, 7)
    assert replace(lab, poison=Scenario().poison, train=Scenario().train, data_seed=0) == Scenario()
    assert class_setup("", 3) == class_setup(None, 3)  # no preset chosen


def test_a_scenario_is_named_by_its_preset_with_a_seed_or_by_its_settings():
    from dataclasses import replace

    from backdoor.attacks import PoisonConfig
    from backdoor.presets import PRESETS, _attack, scenario_title

    classic = PRESETS["classic-patch"].scenario
    assert scenario_title(classic) == "Classic patch (digits)"
    assert scenario_title(replace(classic, data_seed=3)) == "Classic patch (digits), seed 3"
    own = replace(_attack("badnets", rate=0.05), dataset="cifar10", model="color-cnn")
    assert scenario_title(own) == ("your own settings: BadNets (visible patch) on CIFAR-10, 5.0% of the training data "
                                   "poisoned")  # the data set's name without its "(download)" note
    nothing = replace(own, poison=PoisonConfig(rate=0.0, target=0), data_seed=2)
    assert scenario_title(nothing) == "your own settings: BadNets (visible patch) on CIFAR-10, nothing poisoned, seed 2"
