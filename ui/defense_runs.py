"""Running the chosen defenses with progress, and drawing their result panels.

The Defend page (the lab's own model) and the Audit page (an uploaded model) share this.
"""

from __future__ import annotations

import streamlit as st

from backdoor.defenses.common import model_device
from backdoor.defenses.lab import Lab
from backdoor.estimates import DataShape, Estimate
from backdoor.defenses.registry import DEFENSES
from backdoor.outcomes import Outcome
from backdoor.train import TrainingDiverged
from ui import panels
from ui.defense_session import record_outcome, repaired_run
from ui.explain import ATTRIBUTION_IMAGES, times, triggered_share
from ui.jobs import shared_memo
from ui.progress import ProgressBar
from ui.waiting import MEASURING, busy_note, here, in_line, job, live_estimate
from ui.words import and_list, whole_percent


def run_key(lab: Lab, name: str, settings: dict) -> tuple:
    """Everything a defense's outcome depends on: the model (its id names its settings and
    device), what the defender assumes, the data, the defense and its own configuration (a
    setting only another defense reads changes nothing)."""
    return (lab.model_id, repr(lab.scenario), lab.attack_known, lab.dataset.name, name,
            repr(DEFENSES[name].configured(settings)))


def run_defenses(lab: Lab, chosen: list[str], settings: dict, results: dict) -> None:
    """Run each chosen defense with a progress bar; store its outcome in ``results``. Defenses are
    seeded, so an outcome is computed once per server and shared: a class pressing the same
    defense on the same model waits for one run instead of running it 25 times."""
    runs = shared_memo("defense runs", 64)
    for name in chosen:
        defense = DEFENSES[name]
        key = run_key(lab, name, settings)
        waiting = runs.is_busy(key)
        # redrawn a few times a second, with the time left: a defense reports every step (Neural
        # Cleanse about 1,300 times), far more often than anyone can read
        bar = ProgressBar(f"{defense.title}: " + (
            "someone else is running it on this very model; waiting for their result..." if waiting else "starting..."))

        def report(done, total, info, title=defense.title, bar=bar):
            bar(done, total, f"{title}: {info}")

        def compute(defense=defense, report=report, bar=bar) -> Outcome:  # queued with every heavy job
            expected = defense.seconds(DataShape.of(lab.dataset), lab.scenario, model_device(lab.model), settings)
            with job(defense.title, expected,
                     on_wait=lambda standing: bar.say(f"{defense.title}: {in_line(standing)}")):
                return defense.apply(lab, settings, report)

        try:
            outcome = runs.get_or_compute(key, compute)
        except (ValueError, TrainingDiverged) as error:
            bar.empty()
            st.error(f"{defense.title} could not run: {error}")
            continue
        results[(lab.model_id, name)] = outcome
        record_outcome(lab, name, outcome)
        bar.empty()


def say_how_long(lab: Lab, chosen: list[str], settings: dict) -> None:
    """Before the run button: how long the chosen defenses take on this server, from its measured unit
    costs. One this server already ran on this model with these settings opens at once, so it counts nothing."""
    if not chosen:
        return
    runs = shared_memo("defense runs", 64)
    to_run = [name for name in chosen if run_key(lab, name, settings) not in runs]
    if not to_run:
        which = "This defense has" if len(chosen) == 1 else "These defenses have"
        st.caption(f"{which} already run on this model with these settings on this server: the result opens at once.")
        return
    shape, device = DataShape.of(lab.dataset), model_device(lab.model)
    busy = busy_note()  # the machine's load read once, not at each redraw while the figures are measured

    def estimate() -> Estimate:  # each defense's own estimate, corrected by what it took here before
        each = [DEFENSES[name].estimate_job(shape, lab.scenario, device, settings) for name in to_run]
        return Estimate(sum(e.seconds for e in each), repr(("defenses", tuple(to_run))), sum(e.computed for e in each))

    ready = [DEFENSES[name].title for name in chosen if name not in to_run]

    def words(known: Estimate | None) -> str:
        took = f" takes {here(known)}" if known is not None else f": {MEASURING}"
        return how_long_words(len(chosen), ready, took) + busy

    live_estimate(estimate, words, st.caption)


def how_long_words(chosen: int, ready: list[str], took: str) -> str:
    """"Running these 3 defenses takes about 20 s on this server (STRIP already ran on this model here: its
    result opens at once)." ``took`` follows the count; the estimate counts only what is not ``ready``."""
    which = "this defense" if chosen == 1 else f"these {chosen} defenses"
    if not ready:
        return f"Running {which}{took}."
    results = "its result opens" if len(ready) == 1 else "their results open"
    return f"Running {which}{took} ({and_list(ready)} already ran on this model here: {results} at once)."


def attention_before_after(lab: Lab, name: str, outcome: Outcome) -> None:
    """Trigger share and lift (Integrated Gradients) of the model before and after the repair."""
    repaired = repaired_run(lab, name, outcome)
    if repaired is None:
        return
    share, lift = triggered_share(lab.model_id, lab.model, lab.dataset, lab.scenario)
    # The repaired model is new and private to this session: its run's id names it in the cache.
    after_share, after_lift = triggered_share(repaired.run_id, repaired.model, lab.dataset, lab.scenario)
    st.markdown(
        f"**Where the model looks on triggered images** (Integrated Gradients, {ATTRIBUTION_IMAGES} images): before "
        f"the repair {whole_percent(share)} of its attribution was on the trigger ({times(lift)} its area); after, "
        f"**{whole_percent(after_share)}** ({times(after_lift)})."
    )


def show_results(lab: Lab, results: dict) -> None:
    """Each defense's panel, for every defense run on this model, in registry order."""
    for name, defense in DEFENSES.fitting("image").items():
        outcome = results.get((lab.model_id, name))
        if outcome is None:
            continue
        with st.container(border=True):
            st.subheader(defense.title)
            st.markdown(f"Runs {defense.stage}. [Paper]({defense.paper})")  # a link is too faint in a caption
            st.markdown(f"**What it looks at:** {defense.looks_at}")
            panels.draw(lab, outcome, name)
            attention_before_after(lab, name, outcome)
            st.markdown(f"**When it fails:** {defense.fails_when}")
