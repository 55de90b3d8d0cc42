"""Instant mode: the Poison and Train pages answer a slider from the pre-trained grid (backdoor/grid.py).

The panel is an ``st.fragment`` and an explorer of its own: moving its poison-rate slider, or switching
its attack or BadNets patch, reruns the panel alone, reads one small JSON file per setting from the
model store and redraws the figures, the curves and four sample pictures. Nothing trains and no model
is loaded on that path. It starts at the page's settings (the nearest rate the grid holds) and leaves
them alone until "Use this setting" copies its choice to every page, so the page around it never shows
the figures of one setting beside the controls of another. A page setting the grid does not hold says
so and offers to train it.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import plotly.graph_objects as go
import streamlit as st

from backdoor.attacks import ATTACKS, BadNets
from backdoor.datasets import Dataset
from backdoor.grid import (GRID, InstantFigures, attack_scenario, image_attacks, lookup, point_name, rate_percent,
                           stored_rates, with_rate)
from backdoor.scenario import Scenario
from backdoor.store import model_hash
from ui.alt_text import picture_alt
from ui.charts import CHART_CONFIG, to_display, training_curves
from ui.figure_cards import Card, Picture, cards_html, png
from ui.instant_words import (accuracy_sentence, attack_sentence, baseline_accuracy_sentence,
                              baseline_attack_sentence, off_grid_sentence, poisoned_sentence)
from ui.state import bind
from ui.url_state import link

ON = "instant.on"
PICK = "instant.pick"  # the panel's own setting: a Scenario on the grid
FOLLOWS = "instant.follows"  # the page's settings the pick last started from
PATCHES = [BadNets()] + [BadNets(size=s) for s in GRID.sizes] + [BadNets(position=p) for p in GRID.positions]
LABELS = {  # the panel's figures, named apart from the Train page's own (both can be on one page)
    "poisoned": "Poisoned in training",
    "bd_acc": "Accuracy, backdoored",
    "bd_asr": "Attack success rate",
    "base_acc": "Accuracy, clean model",
}


def ready_attacks(dataset: Dataset, scenario: Scenario) -> list[str]:
    """The attacks the grid holds for these data, model and training settings (each at its default)."""
    return [a for a in image_attacks(dataset.name) if lookup(attack_scenario(scenario, a)) is not None]


def _patches(scenario: Scenario) -> list[BadNets]:
    """The BadNets patches the grid holds at BadNets' default rate around ``scenario``."""
    start = attack_scenario(scenario, "badnets")
    return [p for p in PATCHES if lookup(replace(start, trigger=p)) is not None]


def nearest_point(dataset: Dataset, scenario: Scenario, attacks: list[str]) -> Scenario:
    """The grid point closest to the page's settings: its attack (else the first on the grid), its BadNets
    patch where the grid has it, and the stored rate nearest its poison rate."""
    attack = scenario.attack if scenario.attack in attacks else attacks[0]
    point = attack_scenario(scenario, attack)
    if attack == scenario.attack and scenario.trigger in (_patches(scenario) if attack == "badnets" else []):
        point = replace(point, trigger=scenario.trigger)
    rates = stored_rates(dataset, point) or [point.poison.rate]
    return with_rate(point, min(rates, key=lambda r: (abs(r - scenario.poison.rate), r)))


TITLE = "Instant: what each poison does to a model, from models trained before class"


def instant_section(page: str, dataset: Dataset, scenario: Scenario, expanded: bool = True) -> None:
    """The instant-mode switch and panel in an expander, when ``make warm`` has prepared a grid for
    these settings (the Train page folds it away once the page's own models are there)."""
    attacks = ready_attacks(dataset, scenario)
    if not attacks:
        return
    with st.expander(TITLE, expanded=expanded, icon=":material/bolt:"):
        _section(page, dataset, scenario, attacks)


def _section(page: str, dataset: Dataset, scenario: Scenario, attacks: list[str]) -> None:
    st.session_state.setdefault(ON, True)
    st.toggle("Instant mode: answers from pre-trained models", **bind(ON),
              help="Before class, `make warm` trained every attack at several poison rates. With this on, the "
                   "panel answers at once from those models; nothing is trained.")
    if not st.session_state[ON]:
        return
    if st.session_state.get(FOLLOWS) != scenario or PICK not in st.session_state:
        st.session_state[PICK], st.session_state[FOLLOWS] = nearest_point(dataset, scenario, attacks), scenario
    if lookup(scenario) is None:
        rates = [rate_percent(r) for r in stored_rates(dataset, scenario)]
        st.info(off_grid_sentence(rates), icon=":material/grid_off:")
        if page == "train":
            st.caption("Train it yourself with the Train button below; the panel starts at the nearest setting "
                       "the grid holds.")
        else:
            link("pages/train.py", label="Train it yourself", icon=":material/model_training:")
    _panel(page, dataset, scenario, tuple(attacks))


def _pick_attack(widget: str, dataset: Dataset, scenario: Scenario, attacks: tuple[str, ...]) -> None:
    st.session_state[PICK] = nearest_point(dataset, attack_scenario(scenario, st.session_state[widget]), list(attacks))


def _pick_patch(widget: str) -> None:
    patch = st.session_state[widget]
    pick = st.session_state[PICK]
    st.session_state[PICK] = with_rate(replace(pick, trigger=patch), ATTACKS["badnets"].default_rate)


def _pick_rate(widget: str) -> None:
    st.session_state[PICK] = with_rate(st.session_state[PICK], st.session_state[widget] / 100)


def adopt(pick: Scenario) -> None:
    """Make the panel's setting the page's: its attack, trigger and poison rate."""
    s = st.session_state
    s["poison.attack"] = pick.attack
    for name, value in asdict(pick.trigger).items():
        s[f"poison.{pick.attack}.{name}"] = value
    s["poison.rate_pct"] = rate_percent(pick.poison.rate)


@st.fragment
def _panel(page: str, dataset: Dataset, scenario: Scenario, attacks: tuple[str, ...]) -> None:
    pick: Scenario = st.session_state[PICK]
    widget = f"instant.{page}.attack"
    st.session_state[widget] = pick.attack
    st.radio("Attack (pre-trained models)", attacks, format_func=lambda a: ATTACKS[a].title, horizontal=True,
             key=widget, on_change=_pick_attack, args=(widget, dataset, scenario, attacks))
    patches = _patches(scenario) if pick.attack == "badnets" else []
    if len(patches) > 1:
        widget = f"instant.{page}.patch"
        st.session_state[widget] = pick.trigger if pick.trigger in patches else patches[0]
        st.radio("Patch (BadNets)", patches, format_func=lambda p: f"{p.size} px, {p.position}", horizontal=True,
                 key=widget, on_change=_pick_patch, args=(widget,),
                 help="The grid trained the default 4-pixel patch, and a smaller, a larger and two other places.")
    n = len(dataset.y_train)
    rates = [rate_percent(r) for r in stored_rates(dataset, pick)]
    if len(rates) > 1:
        widget = f"instant.{page}.rate"
        st.session_state[widget] = rate_percent(pick.poison.rate)
        st.select_slider("Poison rate (pre-trained models)", rates, key=widget,
                         format_func=lambda r: f"{r:g}% ({round(r * n / 100):,} images)",
                         on_change=_pick_rate, args=(widget,),
                         help="Only the rates the grid trained: each answer is read from the store at once.")
    figures = lookup(pick)
    if figures is None:  # removed from the store since the page ran
        st.info(off_grid_sentence(rates), icon=":material/grid_off:")
        return
    _figures(dataset, pick, figures)
    if pick != scenario:
        st.caption(f"The rest of the lab still uses your own setting. This panel shows {point_name(pick)}.")
        if st.button("Use this setting on every page", key=f"instant.{page}.use", icon=":material/check:"):
            adopt(pick)
            st.rerun(scope="app")


# Drawn once per grid point and server (``point``: its model's store hash); shared, never mutated.
@st.cache_resource(max_entries=64, show_spinner=False)
def _curves(point: str, _figures: InstantFigures, epochs: int, num_classes: int) -> go.Figure:
    """Both models' curves (plotly's subplots are the slow part of a redraw)."""
    return training_curves({"backdoored": list(_figures.backdoored.history),
                            "baseline": list(_figures.baseline.history)}, epochs, num_classes)


@st.cache_resource(max_entries=64, show_spinner=False)
def _pictures(point: str, _dataset: Dataset, _scenario: Scenario, rows: tuple[int, ...]) -> list[bytes]:
    """The held-out ``rows`` with the point's trigger, as PNG files ready to show."""
    x, objects = _dataset.held_out[0], _dataset.held_out_objects
    stamped = _scenario.stamp(x[list(rows)], None if objects is None else objects[list(rows)])
    return [png(to_display(picture)) for picture in stamped]


def _figures(dataset: Dataset, scenario: Scenario, figures: InstantFigures) -> None:
    """Four numbers with their sentences and four triggered pictures as one block (one element per move),
    then both models' curves."""
    target = scenario.target_phrase(dataset.classes)
    images = len(dataset.held_out[1])
    bd, base = figures.backdoored, figures.baseline
    cards = [
        Card("poisoned", LABELS["poisoned"], f"{figures.poisoned_images:,}",
             poisoned_sentence(figures.poisoned_images, len(dataset.y_train),
                               ATTACKS[scenario.attack].config.clean_label)),
        Card("bd_acc", LABELS["bd_acc"], f"{bd.clean_acc:.1%}", accuracy_sentence(bd.clean_acc, base.clean_acc, images)),
        Card("bd_asr", LABELS["bd_asr"], f"{bd.asr:.1%}", attack_sentence(bd.asr, target)),
        Card("base_acc", LABELS["base_acc"], f"{base.clean_acc:.1%}",
             baseline_accuracy_sentence(base.clean_acc, images) + " " + baseline_attack_sentence(base.asr, target)),
    ]
    point = model_hash(scenario, "backdoored")
    y = dataset.held_out[1]
    rows = [row for row, _, _ in figures.samples]
    title = ATTACKS[scenario.attack].title
    truths = [dataset.classes[int(y[row])] for row in rows]
    answers = [dataset.classes[fired] for _, _, fired in figures.samples]
    pictures = [Picture(picture, f"'{true}' with the trigger: read as '{said}'",
                        picture_alt(true, title, what="test picture") + f"; the backdoored model reads it as '{said}'")
                for picture, true, said in zip(_pictures(point, dataset, scenario, tuple(rows)), truths, answers)]
    st.html(cards_html(cards, pictures, label=f"What {point_name(scenario)} does to a model"))
    st.caption(f"Read from the grid of models `make warm` trained before class (this one took {bd.seconds:.0f} s "
               f"to train then); nothing was trained now. Above: four held-out test pictures with the trigger and "
               f"the backdoored model's answer. Below: both models' curves, epoch by epoch.")
    st.plotly_chart(_curves(point, figures, scenario.train.epochs, dataset.num_classes), key="instant.curves",
                    config=CHART_CONFIG)
