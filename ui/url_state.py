"""Settings in the URL: a reload, a bookmark or a shared link keeps every setting.

Each run writes the settings that differ from their defaults (a model's: its data set's own) into
``st.query_params``; a new session (a reload) reads them back before any page draws. A value that
does not parse, one its widget does not offer (an epoch count of 0, a seed past 9999, a model or an
audience the lab does not have, a target class the data set does not have), or a key the lab does
not know, is ignored (and left in the URL: the class link's own ``class``, ``student``, ``preset``
and ``seed``): a mangled link opens the lab on its defaults, never on an error, and the page says
which of its settings it did not use and why (``unused_notice``, words in ui/link_words.py).
"""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from backdoor.attacks import ALL_TO_ALL, ATTACKS, widgets
from backdoor.attacks.base import Widget
from backdoor.datasets import DATASETS, DatasetUnavailable
from models import MODELS, models_for
from ui.link_words import Unused, number, unused_notice
from ui.menus import MENUS
from ui.resources import class_count
from ui.state import (
    BATCH_SIZES, DEFAULTS, EPOCH_RANGE, LEARNING_RATES, MIXUP_ALPHAS, RATE_RANGE, SEED_RANGE, TABLE_RANGES,
    trigger_settings,
)

RESTORED = "url.restored"
UNUSED = "url.unused"  # the settings of this session's first link that it did not use, for the note above the page
LABELS = {  # each setting as its widget names it
    "lab.dataset": "Data set", "lab.model": "Model", "lab.device": "Compute on", "lab.seed": "Random seed",
    "lab.audience": "Who is using the lab", "poison.attack": "Attack", "poison.rate_pct": "Poison rate (%)",
    "poison.target": "Target class", "train.epochs": "Epochs", "train.batch_size": "Batch size",
    "train.learning_rate": "Learning rate", "train.augment": "Augmentation (random shifts)",
    "train.mixup": "mixup (alpha)", "tabular.features": "Patient records: trigger measurements",
    "tabular.value": "Patient records: trigger value", "tabular.rate_pct": "Patient records: poison rate (%)",
    "tabular.margin": "Patient records: range check's margin", "tabular.record": "Patient records: record shown",
}
_TITLES = {"lab.dataset": DATASETS, "lab.model": MODELS, "poison.attack": ATTACKS}  # ids shown by their titles


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
        "lab.dataset": tuple(DATASETS.fitting("image")),  # the sidebar's: the patient records have their own page
        "lab.model": tuple(models_for("image")),  # the pages a link opens train on pictures
        "lab.audience": tuple(MENUS),
        "poison.attack": tuple(ATTACKS),
        "train.batch_size": BATCH_SIZES,
        "train.learning_rate": LEARNING_RATES,
        "train.mixup": MIXUP_ALPHAS,
    }


RANGES = {"lab.seed": SEED_RANGE, "train.epochs": EPOCH_RANGE, "poison.rate_pct": RATE_RANGE, **TABLE_RANGES}


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


def _label(key: str) -> str:
    """A setting's name as the page shows it ("Poison rate (%)", "BadNets: Patch size (pixels)")."""
    if key in LABELS:
        return LABELS[key]
    parts = key.split(".", 2)
    if len(parts) == 3 and parts[0] == "poison" and parts[1] in ATTACKS:
        widget = _attack_widgets().get(key)
        return f"{ATTACKS[parts[1]].row_title}: {widget.label if widget else parts[2]}"
    return key


def _shown(key: str, value) -> str:
    """A setting's value as its widget shows it (a registry id by its title)."""
    if key in _TITLES and value in _TITLES[key]:
        return _TITLES[key][value].title
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return "the attack's own drawing"
    return number(value)


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _why_not_offered(key: str, value) -> str:
    """Why ``offered(key, value)`` is False, in words."""
    if key in RANGES:
        low, high = RANGES[key]
        return f"the lab offers {number(low)} to {number(high)}"
    widget = _attack_widgets().get(key)
    if widget is not None and widget.choices:
        return f"the lab offers {_or_list([str(c) for c in widget.choices])}"
    if widget is not None:
        high = None if widget.fit is not None else widget.high  # a top set by the image: not known here
        if widget.low is not None and high is not None:
            return f"the lab offers {number(widget.low)} to {number(high)}"
        return (f"the lab offers {number(widget.low)} or more" if widget.low is not None
                else f"the lab offers {number(high)} or less")
    if key == "lab.model" and value in MODELS:
        return "that model does not read pictures"
    return f"the lab offers {_or_list([_shown(key, c) for c in _choices()[key]])}"


def _why_unparsed(default) -> str:
    if isinstance(default, bool):
        return "it must be True or False"
    if isinstance(default, bytes):
        return "that is not a drawing the lab can read"
    return "that is not a number"


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


def _default(key: str, known: dict[str, object]) -> object:
    """What a setting is when a link leaves it out: the model is the data set's own, as the sidebar picks
    it with the data set (a link to the traffic signs trains the colour model)."""
    return DATASETS[st.session_state["lab.dataset"]].default_model if key == "lab.model" else known[key]


def restore_from_url() -> None:
    """Once per session, before the first page draws: the settings the URL carries."""
    if st.session_state.get(RESTORED):
        return
    st.session_state[RESTORED] = True
    known = _known()
    unused = []
    s = st.session_state  # every setting is there already: app.py runs init_settings first
    used = set()
    for key, text in sorted(st.query_params.items(), key=lambda item: item[0] != "lab.dataset"):  # the data set first
        if key not in known:
            continue
        try:
            value = _parse(text, known[key])
        except (TypeError, ValueError):  # a mangled value: keep the default
            unused.append(Unused(_label(key), text, _why_unparsed(known[key]), _shown(key, _default(key, known))))
            continue
        if offered(key, value):
            s[key] = value
            used.add(key)
        else:
            unused.append(Unused(_label(key), text, _why_not_offered(key, value), _shown(key, _default(key, known))))
    if "lab.model" not in used:  # the link's data set picks the model it leaves out
        s["lab.model"] = _default("lab.model", known)
    attack, dataset = s["poison.attack"], s["lab.dataset"]
    if not ATTACKS[attack].fits(dataset):  # the sticker needs road signs
        s["poison.attack"] = DEFAULTS["poison.attack"]
        unused.append(Unused(_label("poison.attack"), attack, f"it does not work on {DATASETS[dataset].title}",
                             _shown("poison.attack", s["poison.attack"])))
        attack = s["poison.attack"]
    target = s["poison.target"]
    if target != 0 and not _target_fits(target, dataset, attack, s["lab.seed"]):  # every set has a class 0
        s["poison.target"] = DEFAULTS["poison.target"]
        why = ("a clean-label attack has a single target class" if target == ALL_TO_ALL
               else f"{DATASETS[dataset].short_title} has no class {target}")
        unused.append(Unused(_label("poison.target"), str(target), why, _shown("poison.target", 0)))
    for name, spec in ATTACKS.items():  # values that parse but do not fit together (a drawing's size and pixels)
        try:
            spec.config(**trigger_settings(name))
        except (TypeError, ValueError):
            for key in [k for k in known if k.startswith(f"poison.{name}.")]:
                st.session_state.pop(key, None)
    st.session_state[UNUSED] = unused


def show_unused() -> None:
    """Once, on the page the link opened: which of its settings the lab did not use, and why."""
    words = unused_notice(st.session_state.pop(UNUSED, []))
    if words:
        st.info(words, icon=":material/link_off:")


def write_to_url() -> None:
    """Every run: the settings that differ from their defaults, into the URL."""
    known = _known()
    wanted = {key: _text(st.session_state[key]) for key in known
              if key in st.session_state and st.session_state[key] != _default(key, known)}
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
