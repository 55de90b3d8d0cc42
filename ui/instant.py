"""Instant mode: the Poison and Train pages answer a slider from the pre-trained grid (backdoor/grid.py).

The panel is an ``st.fragment``: moving its poison-rate slider, or switching its attack, reruns the
panel alone, reads one small JSON file per setting from the model store and redraws the figures,
the curves and four sample pictures. Nothing trains and no model is loaded on that path. Its
controls write the same settings as the page's own (``poison.attack``, ``poison.rate_pct``, the
BadNets patch), so every other page follows; a setting the grid does not hold says so and offers
to train it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from backdoor.attacks import ATTACKS, BadNets
from backdoor.datasets import Dataset
from backdoor.grid import (GRID, InstantFigures, attack_scenario, image_attacks, lookup, rate_percent,
                           stored_rates, with_rate)
from backdoor.scenario import Scenario
from backdoor.store import model_hash
from ui.alt_text import picture_alt
from ui.charts import CHART_CONFIG, to_display, training_curves
from ui.instant_words import (accuracy_sentence, attack_sentence, baseline_accuracy_sentence,
                              baseline_attack_sentence, off_grid_sentence, poisoned_sentence)
from ui.state import bind, current_scenario, use_attack_defaults
from ui.url_state import link, write_to_url

ON = "instant.on"
SAMPLE_WIDTH = 150  # pixels per sample picture
PATCHES = [BadNets()] + [BadNets(size=s) for s in GRID.sizes] + [BadNets(position=p) for p in GRID.positions]


def ready_attacks(dataset: Dataset, scenario: Scenario) -> list[str]:
    """The attacks the grid holds for these data, model and training settings (each at its default)."""
    return [a for a in image_attacks(dataset.name) if lookup(attack_scenario(scenario, a)) is not None]


def instant_section(page: str, dataset: Dataset, scenario: Scenario) -> bool:
    """The instant-mode switch and panel, when ``make warm`` has prepared a grid for these settings.
    Returns True when the panel answered for the current settings (the Train page then shows nothing
    more); False when instant mode is off, not prepared, or the settings are off the grid."""
    if not ready_attacks(dataset, scenario):
        return False
    st.subheader("Instant: what this poison does to a model")
    st.session_state.setdefault(ON, True)
    st.toggle("Instant mode: answers from pre-trained models", **bind(ON),
              help="Before class, `make warm` trained every attack at several poison rates. With this on, the "
                   "slider below answers at once from those models; nothing is trained.")
    if not st.session_state[ON]:
        return False
    if page == "poison":
        st.caption("These controls set the same attack and poison rate as the ones above, but answer at once from "
                   "the models `make warm` trained; the rest of the page follows at your next change.")
    _panel(page, dataset)
    return lookup(scenario) is not None


def _patch_label(patch: BadNets) -> str:
    return f"{patch.size} px, {patch.position}"


def _use_patch(widget: str) -> None:
    """A patch from the grid: its size and position, at BadNets' default rate (where the grid has it)."""
    patch = st.session_state[widget]
    st.session_state["poison.badnets.size"], st.session_state["poison.badnets.position"] = patch.size, patch.position
    st.session_state["poison.rate_pct"] = rate_percent(ATTACKS["badnets"].default_rate)


@st.fragment
def _panel(page: str, dataset: Dataset) -> None:
    try:
        scenario = current_scenario()
    except ValueError as error:
        st.error(f"These settings do not work: {error}")
        return
    attacks = ready_attacks(dataset, scenario)
    st.radio("Attack", attacks + ([] if scenario.attack in attacks else [scenario.attack]),
             format_func=lambda a: ATTACKS[a].title, horizontal=True,
             **bind("poison.attack", on_change=use_attack_defaults, widget=f"instant.{page}.attack"))
    patches = [p for p in PATCHES if scenario.attack == "badnets"
               and lookup(replace(attack_scenario(scenario, "badnets"), trigger=p)) is not None]
    if len(patches) > 1 and replace(scenario.trigger, size=4, position="bottom-right") == BadNets():
        current = next((p for p in patches if p == scenario.trigger), patches[0])
        st.session_state[f"instant.{page}.patch"] = current
        st.radio("Patch (BadNets)", patches, format_func=_patch_label, horizontal=True, key=f"instant.{page}.patch",
                 on_change=_use_patch, args=(f"instant.{page}.patch",),
                 help="The grid trained the default 4-pixel patch, and a smaller, a larger and two other places.")
    n = len(dataset.y_train)
    rates = [rate_percent(r) for r in stored_rates(dataset, scenario)]
    figures = lookup(scenario)
    pct = rate_percent(scenario.poison.rate)
    if len(rates) > 1:
        slider = f"instant.{page}.rate"
        st.session_state[slider] = pct if pct in rates else min(rates, key=lambda r: abs(r - pct))
        st.select_slider("Poison rate (pre-trained models)", rates, key=slider,
                         format_func=lambda r: f"{r:g}% ({round(r * n / 100):,} images)",
                         on_change=lambda: st.session_state.update({"poison.rate_pct": st.session_state[slider]}),
                         help="Only the rates the grid trained: each answer is read from the store at once.")
    write_to_url()  # a fragment's run skips app.py's: a reload must keep what was chosen here
    if figures is None:
        st.info(off_grid_sentence(rates), icon=":material/grid_off:")
        if page == "train":
            if st.button("Train it yourself", key="instant.train.yourself", icon=":material/model_training:"):
                st.rerun(scope="app")  # the page, run in full, offers the Train button for these settings
        else:
            link("pages/train.py", label="Train it yourself", icon=":material/model_training:")
        return
    _figures(dataset, scenario, figures)


# Drawn once per grid point and server (``point``: its model's store hash); shared, never mutated.
@st.cache_resource(max_entries=64, show_spinner=False)
def _curves(point: str, _figures: InstantFigures, epochs: int, num_classes: int) -> go.Figure:
    """Both models' curves (plotly's subplots are the slow part of a redraw)."""
    return training_curves({"backdoored": list(_figures.backdoored.history),
                            "baseline": list(_figures.baseline.history)}, epochs, num_classes)


@st.cache_resource(max_entries=64, show_spinner=False)
def _pictures(point: str, _dataset: Dataset, _scenario: Scenario, rows: tuple[int, ...]) -> list[np.ndarray]:
    """The held-out ``rows`` with the point's trigger, ready to show."""
    x, objects = _dataset.held_out[0], _dataset.held_out_objects
    stamped = _scenario.stamp(x[list(rows)], None if objects is None else objects[list(rows)])
    return [to_display(picture) for picture in stamped]


def _figures(dataset: Dataset, scenario: Scenario, figures: InstantFigures) -> None:
    target = scenario.target_phrase(dataset.classes)
    images = len(dataset.held_out[1])
    bd, base = figures.backdoored, figures.baseline
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Poisoned images", f"{figures.poisoned_images:,}")
    c1.caption(poisoned_sentence(figures.poisoned_images, len(dataset.y_train), ATTACKS[scenario.attack].config.clean_label))
    c2.metric("Backdoored: clean accuracy", f"{bd.clean_acc:.1%}")
    c2.caption(accuracy_sentence(bd.clean_acc, base.clean_acc, images))
    c3.metric("Backdoored: attack success", f"{bd.asr:.1%}")
    c3.caption(attack_sentence(bd.asr, target))
    c4.metric("Clean model: clean accuracy", f"{base.clean_acc:.1%}")
    c4.caption(baseline_accuracy_sentence(base.clean_acc, images) + " "
               + baseline_attack_sentence(base.asr, target))
    point = model_hash(scenario, "backdoored")
    st.plotly_chart(_curves(point, figures, scenario.train.epochs, dataset.num_classes), key="instant.curves",
                    config=CHART_CONFIG)
    y = dataset.held_out[1]
    rows = [row for row, _, _ in figures.samples]
    title = ATTACKS[scenario.attack].title
    truths = [dataset.classes[int(y[row])] for row in rows]
    answers = [dataset.classes[fired] for _, _, fired in figures.samples]
    # one strip that wraps on a phone (columns would stack four full-width pictures)
    st.image(_pictures(point, dataset, scenario, tuple(rows)), width=SAMPLE_WIDTH,
             caption=[f"'{true}' with the trigger: read as '{said}'" for true, said in zip(truths, answers)],
             alt=[picture_alt(true, title, what="test picture") + f"; the backdoored model reads it as '{said}'"
                  for true, said in zip(truths, answers)])
    st.caption(f"Read from the grid of models `make warm` trained before class (this one took {bd.seconds:.0f} s "
               f"to train then); nothing was trained now. Per-epoch curves of both models, then four held-out test "
               f"pictures with the trigger and the backdoored model's answer.")
