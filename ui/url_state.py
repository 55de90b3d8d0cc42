"""Settings in the URL: a reload, a bookmark or a shared link keeps every setting.

Each run writes the settings that differ from their defaults into ``st.query_params``; a new
session (a reload) reads them back before any page draws. A value that does not parse, one its
widget does not offer (an epoch count of 0, a seed past 9999, a model or an audience the lab does
not have, a target class the data set does not have), or a key the lab does not know, is ignored
(and left in the URL: the class link's own ``class``, ``student``, ``preset`` and ``seed``): a
mangled link opens the lab on its defaults, never on an error.
"""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from backdoor.attacks import ALL_TO_ALL, ATTACKS, widgets
from backdoor.attacks.base import Widget
from backdoor.datasets import DATASETS, DatasetUnavailable
from models import models_for
from ui.menus import MENUS
from ui.resources import class_count
from ui.state import (
    BATCH_SIZES, DEFAULTS, EPOCH_RANGE, LEARNING_RATES, MIXUP_ALPHAS, RATE_RANGE, SEED_RANGE, trigger_settings,
)

RESTORED = "url.restored"


def _known() -> dict[str, object]:
    """Every setting a link may carry, with its default (which gives its type)."""
    known = dict(DEFAULTS)
    for name, spec in ATTACKS.items():
        for f in fields(spec.config):
            if "widget" in f.metadata or f.metadata.get("in_link"):
                known[f"poison.{name}.{f.name}"] = f.default
    return known


def _choices() -> dict[str, tuple]:
    """The settings a link may set only to one of a few values, and those values (as the widgets offer)."""
    return {
        "lab.dataset": tuple(DATASETS),  # the records' set is sent back to pictures by app.keep_image_dataset
        "lab.model": tuple(models_for("image")),  # the pages a link opens train on pictures
        "lab.audience": tuple(MENUS),
        "poison.attack": tuple(ATTACKS),
        "train.batch_size": BATCH_SIZES,
        "train.learning_rate": LEARNING_RATES,
        "train.mixup": MIXUP_ALPHAS,
    }


RANGES = {"lab.seed": SEED_RANGE, "train.epochs": EPOCH_RANGE, "poison.rate_pct": RATE_RANGE}


def _attack_widgets() -> dict[str, Widget]:
    """Each attack setting's widget on the Poison page, by its key."""
    return {f"poison.{name}.{field}": widget for name, spec in ATTACKS.items()
            for field, _, widget in widgets(spec.config)}


def offered(key: str, value) -> bool:
    """Whether the widget of setting ``key`` can hold ``value`` (a setting with no such rule: yes)."""
    if key in RANGES:
        low, high = RANGES[key]
        return low <= value <= high  # False for NaN
    widget = _attack_widgets().get(key)
    if widget is not None:
        if widget.choices:
            return value in widget.choices
        # a slider's top may depend on the image (``fit``): the form brings a value down to it
        return ((widget.low is None or value >= widget.low)
                and (widget.high is None or widget.fit is not None or value <= widget.high))
    choices = _choices().get(key)
    return choices is None or value in choices


def _target_fits(target: int, dataset: str, attack: str, seed: int) -> bool:
    if target == ALL_TO_ALL:
        return not ATTACKS[attack].config.clean_label  # a clean-label attack has one target class
    try:
        return 0 <= target < class_count(dataset, seed)
    except DatasetUnavailable:  # a download not made yet: its classes are not known here
        return False


def _parse(text: str, default):
    if isinstance(default, bytes):  # a drawing's pixels travel as hexadecimal
        return bytes.fromhex(text)
    if isinstance(default, bool):
        if text not in ("True", "False"):
            raise ValueError(text)
        return text == "True"
    return type(default)(text)


def _text(value) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def restore_from_url() -> None:
    """Once per session, before the first page draws: the settings the URL carries."""
    if st.session_state.get(RESTORED):
        return
    st.session_state[RESTORED] = True
    known = _known()
    for key, text in st.query_params.items():
        if key not in known:
            continue
        try:
            value = _parse(text, known[key])
        except (TypeError, ValueError):
            continue  # a mangled value: keep the default
        if offered(key, value):
            st.session_state[key] = value
    s = st.session_state  # every setting is there already: app.py runs init_settings first
    attack, dataset = s["poison.attack"], s["lab.dataset"]
    if not ATTACKS[attack].fits(dataset):  # the sticker needs road signs
        s["poison.attack"] = attack = DEFAULTS["poison.attack"]
    target = s["poison.target"]
    if target != 0 and not _target_fits(target, dataset, attack, s["lab.seed"]):  # every set has a class 0
        s["poison.target"] = DEFAULTS["poison.target"]
    for name, spec in ATTACKS.items():  # values that parse but do not fit together (a drawing's size and pixels)
        try:
            spec.config(**trigger_settings(name))
        except (TypeError, ValueError):
            for key in [k for k in known if k.startswith(f"poison.{name}.")]:
                st.session_state.pop(key, None)


def write_to_url() -> None:
    """Every run: the settings that differ from their defaults, into the URL."""
    known = _known()
    wanted = {key: _text(st.session_state[key]) for key, default in known.items()
              if key in st.session_state and st.session_state[key] != default}
    for key in [k for k in st.query_params if k in known and k not in wanted]:  # back to its default
        del st.query_params[key]
    changed = {key: value for key, value in wanted.items() if st.query_params.get(key) != value}
    if changed:
        st.query_params.update(changed)


def link(page, *, where=None, keep: tuple[str, ...] | None = None, **kwargs):
    """``st.page_link`` that carries this URL's query (the settings, the student's class; only
    the names in ``keep`` when given) to the next page. A session that is lost (a server
    restarted, a replica gone) is rebuilt from the URL, so the link a student clicks must keep
    it, not only the rerun that follows."""
    query = {k: v for k, v in st.query_params.items() if keep is None or k in keep}
    return (where or st).page_link(page, query_params=query, **kwargs)
