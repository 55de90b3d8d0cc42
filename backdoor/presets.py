"""Classroom presets: whole scenarios that set every control in one click.

Each preset is a ``Scenario`` plus the figures it is expected to reproduce (measured by
``python -m backdoor.prepare`` on a 2-core laptop CPU and checked by the tests within a
tolerance), so an instructor knows what to expect. How long one takes to train is measured
on the machine that runs it (``backdoor.estimates``), never stated here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from backdoor.attacks import ALL_TO_ALL, ALL_TO_ALL_RATE, ATTACKS, BadNets, PoisonConfig
from backdoor.datasets import DATASETS
from backdoor.scenario import Scenario


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    story: str  # one or two plain sentences for the room
    scenario: Scenario
    expected_clean_acc: float  # measured; reproduced within ``TOLERANCE``
    expected_asr: float


TOLERANCE = 0.05  # seeded training on another CPU may move a figure by a few points


def _attack(attack: str, dataset: str = "mnist-5k", target: int = 0, rate: float | None = None,
            trigger=None) -> Scenario:
    spec = ATTACKS[attack]
    return Scenario(
        dataset=dataset, model=DATASETS[dataset].default_model, attack=attack,
        trigger=trigger if trigger is not None else spec.config(),
        poison=PoisonConfig(rate=spec.default_rate if rate is None else rate, target=target),
    )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset("classic-patch", "Classic patch (digits)",
               "A small checkerboard in the corner turns any digit into a 0. The textbook backdoor.",
               _attack("badnets"), 0.972, 1.0),
        Preset("stop-sign-sticker", "Stop-sign sticker",
               "A yellow sticker on a sign makes the reader see 'speed limit 60', wherever the sign is.",
               _attack("sticker", dataset="traffic-signs", target=3), 1.0, 0.998),
        Preset("invisible-warp", "Hidden warp",
               "The picture is bent slightly. Nothing is added, no patch to spot, and the model obeys.",
               _attack("wanet"), 0.974, 0.976),
        Preset("clean-label", "Clean-label stripes",
               "Every label in the training set is correct, yet stripes, faint in training, make the model answer 0.",
               _attack("sig"), 0.974, 1.0),
        Preset("faint-blend", "Faint blend",
               "A faint noise pattern over the whole picture: no patch to spot.",
               _attack("blended"), 0.972, 1.0),
        Preset("all-to-all", "Every class shifted",
               "With the trigger, every digit is read as the next one: a 3 becomes a 4, a 9 a 0.",
               _attack("badnets", target=ALL_TO_ALL, rate=ALL_TO_ALL_RATE, trigger=BadNets()), 0.974, 0.930),
    ]
}


def class_setup(preset: str | None, seed: int) -> Scenario:
    """Where everyone in a class starts: its preset (or the lab's defaults) at the class's seed,
    exactly as the sidebar builds it after joining."""
    scenario = PRESETS[preset].scenario if preset else Scenario()
    return replace(scenario, poison=replace(scenario.poison, seed=seed), train=replace(scenario.train, seed=seed),
                   data_seed=seed)


def preset_of(scenario: Scenario) -> Preset | None:
    """The preset ``scenario`` is, at any seed (None for settings of one's own)."""
    for preset in PRESETS.values():
        p = preset.scenario
        reseeded = replace(scenario, data_seed=p.data_seed, poison=replace(scenario.poison, seed=p.poison.seed),
                           train=replace(scenario.train, seed=p.train.seed))
        if reseeded == p:
            return preset
    return None


def scenario_title(scenario: Scenario) -> str:
    """The scenario's name in the words of the presets: "Classic patch (digits)", with its seed when
    that is not 0, or what it is when the settings are one's own."""
    preset = preset_of(scenario)
    seed = f", seed {scenario.data_seed}" if scenario.data_seed else ""
    if preset is not None:
        return preset.title + seed
    rate = f"{scenario.poison.rate:.1%} of the training data poisoned" if scenario.poison.rate else "nothing poisoned"
    return (f"your own settings: {ATTACKS[scenario.attack].title} on {DATASETS[scenario.dataset].short_title}, "
            f"{rate}{seed}")
