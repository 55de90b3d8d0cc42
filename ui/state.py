"""The user's settings, kept in ``st.session_state`` under page-namespaced keys.

Streamlit forgets a widget's value when the widget is not drawn (another page), so
settings live under plain keys (``"poison.rate_pct"``) and each widget gets a shadow
key bound to it with :func:`bind`: the widget starts from the stored value and writes
back on change. A value set on one page is then read on every other.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Callable, Optional

import streamlit as st

from backdoor.attacks import ALL_TO_ALL, ALL_TO_ALL_RATE, ATTACKS, FeatureTrigger, PoisonConfig
from backdoor.datasets import DATASETS, DEFAULT_DATASET
from backdoor.defenses.range_check import RangeCheckConfig
from backdoor.device import AUTO
from backdoor.presets import PRESETS
from backdoor.scenario import Scenario
from backdoor.tabular import DEFAULT_RATE as TABLE_RATE
from backdoor.train import TrainConfig


DEFAULTS = {
    "lab.dataset": DEFAULT_DATASET,
    "lab.model": DATASETS[DEFAULT_DATASET].default_model,
    "lab.device": AUTO,
    "lab.seed": 0,
    "lab.audience": "Student",
    "poison.attack": "badnets",
    "poison.rate_pct": 10.0,
    "poison.target": 0,
    "train.epochs": TrainConfig.epochs,
    "train.batch_size": TrainConfig.batch_size,
    "train.learning_rate": TrainConfig.learning_rate,
    "train.augment": TrainConfig.augment,
    "train.mixup": TrainConfig.mixup,
    # The Patient records page (pages/tabular.py): the trigger's measurements as column numbers
    # ("21,27"), its value in standard deviations, the poison rate, the range check's margin, the record shown.
    "tabular.features": ",".join(map(str, FeatureTrigger.features)),
    "tabular.value": 5.0,
    "tabular.rate_pct": 100 * TABLE_RATE,
    "tabular.margin": RangeCheckConfig.margin,
    "tabular.record": 0,
}

# What the sidebar's and the Train page's widgets offer, so a link can be held to the same
# (ui/url_state.py: anything else opens on the default).
SEED_RANGE = (0, 9999)
EPOCH_RANGE = (1, 30)
RATE_RANGE = (0.0, 50.0)  # poison rate, in percent
# The Patient records page's sliders (pages/tabular.py): the trigger's value, the poison rate, the range check's margin.
TABLE_RANGES = {"tabular.value": (-8.0, 8.0), "tabular.rate_pct": (0.0, 25.0), "tabular.margin": (0.0, 3.0)}
BATCH_SIZES = (16, 32, 64, 128, 256)
LEARNING_RATES = (0.0003, 0.001, 0.002, 0.003, 0.005, 0.01, 0.03, 0.1, 1.0)
MIXUP_ALPHAS = (0.0, 0.2, 0.4, 1.0)


def init_settings() -> None:
    """Fill in the defaults of every shared setting (app.py calls this on each run)."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def _write_back(widget_key: str, key: str, then: Optional[Callable[[], None]]) -> None:
    st.session_state[key] = st.session_state[widget_key]
    if then is not None:
        then()


def bind(key: str, on_change: Optional[Callable[[], None]] = None, widget: str | None = None) -> dict:
    """Widget keyword arguments that tie the widget to the stored setting ``key``.

    Usage: ``st.slider("Rate", 0, 50, **bind("poison.rate_pct"))``. ``widget``: the widget's own key,
    for a second widget of the same setting on one page (the instant panel's).
    """
    widget_key = widget or f"w:{key}"
    st.session_state[widget_key] = st.session_state[key]
    return {"key": widget_key, "on_change": _write_back, "args": (widget_key, key, on_change)}


def trigger_settings(attack: str) -> dict:
    """The stored settings of one attack's trigger, as keyword arguments."""
    names = {f.name for f in fields(ATTACKS[attack].config)}
    prefix = f"poison.{attack}."
    return {
        key[len(prefix):]: value
        for key, value in st.session_state.items()
        if isinstance(key, str) and key.startswith(prefix) and key[len(prefix):] in names
    }


def use_attack_defaults() -> None:
    """When the attack (or all-to-all) changes: its own default poison rate."""
    s = st.session_state
    spec = ATTACKS[s["poison.attack"]]
    if spec.config.clean_label and s["poison.target"] == ALL_TO_ALL:
        s["poison.target"] = 0
    rate = ALL_TO_ALL_RATE if s["poison.target"] == ALL_TO_ALL else spec.default_rate
    s["poison.rate_pct"] = round(100 * rate, 1)


def current_scenario() -> Scenario:
    """The scenario the settings describe (raises ValueError for impossible settings)."""
    s = st.session_state
    attack = s["poison.attack"]
    seed = int(s["lab.seed"])
    return Scenario(
        dataset=s["lab.dataset"],
        model=s["lab.model"],
        attack=attack,
        trigger=ATTACKS[attack].config(**trigger_settings(attack)),
        poison=PoisonConfig(rate=float(s["poison.rate_pct"]) / 100.0, target=int(s["poison.target"]), seed=seed),
        train=TrainConfig(
            epochs=int(s["train.epochs"]),
            batch_size=int(s["train.batch_size"]),
            learning_rate=float(s["train.learning_rate"]),
            seed=seed,
            augment=bool(s["train.augment"]),
            mixup=float(s["train.mixup"]),
        ),
        data_seed=seed,
    )


def apply_preset(name: str) -> None:
    """Set every control to a classroom preset's scenario (a button's on_click)."""
    scenario = PRESETS[name].scenario
    s = st.session_state
    s["lab.dataset"], s["lab.model"], s["lab.seed"] = scenario.dataset, scenario.model, scenario.data_seed
    s["poison.attack"] = scenario.attack
    for field_name, value in asdict(scenario.trigger).items():
        s[f"poison.{scenario.attack}.{field_name}"] = value
    s["poison.rate_pct"] = round(100 * scenario.poison.rate, 2)
    s["poison.target"] = scenario.poison.target
    for field_name in ("epochs", "batch_size", "learning_rate", "augment", "mixup"):
        s[f"train.{field_name}"] = getattr(scenario.train, field_name)
    s["lab.preset"] = name


def is_stakeholder() -> bool:
    """Stakeholders see presets and plain words, never hyperparameters."""
    return st.session_state.get("lab.audience") == "Stakeholder"
