"""Honest waiting: times measured on this server, a word when it is busy, and the start-up
warm-up that keeps torch's slow first steps (and the first measurements) off a user's click.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import streamlit as st

from backdoor import busy, estimates, job_records, timing, unit_costs
from backdoor.datasets import DEFAULT_DATASET, load_dataset
# Imported here, in the first page's own run, on purpose: importing the defenses (scikit-learn,
# pandas) later from the warm-up thread raced a page's plotly, which then saw half-imported pandas.
from backdoor.defenses.registry import DEFENSES
from backdoor.device import resolve_device
from backdoor.estimates import DataShape, Estimate
from backdoor.matrix import MatrixConfig, estimate as matrix_estimate
from backdoor.presets import PRESETS
from backdoor.scenario import Scenario
from backdoor.train_options import OPTIONS
from ui.words import count_of, ordinal


IDLE_POLL_SECONDS = 0.5  # how often the warm-up looks whether users' jobs have finished
REFRESH_SECONDS = 5.0  # after the warm-up, how often it looks for figures taken while the machine was busy
STOP_WAIT_SECONDS = 60  # at exit, the longest wait for the warm-up's current measurement
LOG = logging.getLogger(__name__)
T = TypeVar("T")


class WarmUp:
    """What the start-up thread has learned so far; pages read it without waiting."""

    def __init__(self) -> None:
        self.shapes: dict[tuple[str, int], DataShape] = {}  # (data set, seed) -> its sizes
        self.finished = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=_warm_up, args=(self,), name="backdoor-lab-warm-up", daemon=True)

    def stop(self) -> None:
        """At exit: let the current step finish (torch must not be torn down under it)."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout=STOP_WAIT_SECONDS)


class _Stopped(Exception):
    pass


@st.cache_resource(max_entries=1, show_spinner=False)
def start_warm_up() -> WarmUp:
    """Once per server process, in a daemon thread: train a tiny model (torch sets itself up
    on its first steps), then measure what the pages' estimates need, giving way to users' jobs."""
    warm = WarmUp()
    if st.get_option("global.appTest"):  # app tests measure what they use; a background thread would only compete
        return warm
    atexit.register(warm.stop)
    warm.thread.start()
    return warm


def _when_idle(warm: WarmUp) -> None:
    while busy.JOBS.names() and not warm.stopping.is_set():
        time.sleep(IDLE_POLL_SECONDS)
    if warm.stopping.is_set():
        raise _Stopped


def _exiting() -> bool:
    """The process is on its way out: its thread pools refuse new work, rightly, so a failure then is no news."""
    return not threading.main_thread().is_alive()


def _warm_up(warm: WarmUp) -> None:

    device = resolve_device().type  # what "auto" in the sidebar trains on
    try:
        # What this machine measured quietly before a restart (same code, within hours) is not measured again.
        timing.MEASURED.remember(unit_costs.load())
        with timing.giving_way(warm.stopping.is_set):  # each measurement waits while a user's job runs
            default = Scenario()
            shape = _remember(warm, DEFAULT_DATASET, default.data_seed)
            rig = shape.rig(default.model, device)
            timing.warm_up([rig])  # torch's first steps, and the Train page's figures
            _when_idle(warm)
            estimates.train_models(shape, default, device)
            for preset in PRESETS.values():  # the preset cards
                _when_idle(warm)
                scenario = preset.scenario
                estimates.train_models(_read_aside(warm, scenario.dataset, scenario.data_seed), scenario, device)
            for _, changes in OPTIONS.values():  # the training options, the Classroom page and the matrix
                _when_idle(warm)
                timing.train_step_seconds(rig, default.train.batch_size, **changes)
            for defense in DEFENSES.fitting("image").values():
                _when_idle(warm)
                defense.seconds(shape, default, device)
            _when_idle(warm)
            matrix_estimate(shape, MatrixConfig(), device)
            unit_costs.save(timing.MEASURED.quiet_figures())
            warm.finished.set()
            # From now on, figures taken while the machine was busy are measured again once it is quiet,
            # one at a time, so no page has to (a class arriving at once makes the first ones busy).
            while not warm.stopping.wait(REFRESH_SECONDS):
                measured = False
                for _ in timing.MEASURED.busy_figures():  # one pass: a figure busy again waits for the next
                    _when_idle(warm)
                    if not timing.MEASURED.refresh():
                        break
                    measured = True
                if measured:
                    unit_costs.save(timing.MEASURED.quiet_figures())
    except _Stopped:
        pass
    except Exception:  # noqa: BLE001 - pages measure what they need themselves; the warm-up only saves them time
        if not _exiting():
            LOG.warning("The start-up warm-up stopped early", exc_info=True)
    finally:
        warm.finished.set()


def _read_aside(warm: WarmUp, name: str, seed: int) -> DataShape:
    """Read a data set in a thread of low priority (drawing the traffic signs the first time takes
    a while): a user's training comes first. Linux can lower one thread's priority; measurements
    stay at normal priority, so they time what a user's job gets."""
    found: list[DataShape] = [warm.shapes[name, seed]] if (name, seed) in warm.shapes else []

    def read() -> None:
        if sys.platform.startswith("linux"):
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
            except OSError:
                pass
        try:
            found.append(_remember(warm, name, seed))
        except Exception:  # noqa: BLE001 - said in the log, and the warm-up stops (below)
            if not _exiting():
                LOG.warning("The warm-up could not read %s", name, exc_info=True)

    if not found:
        reader = threading.Thread(target=read, name="backdoor-lab-warm-up-data", daemon=True)
        reader.start()
        reader.join()
    if not found:
        raise RuntimeError(f"Reading {name} failed (see above).")
    return found[0]


def _remember(warm: WarmUp, name: str, seed: int) -> DataShape:
    shape = DataShape.of(load_dataset(name, seed=seed))
    warm.shapes[(name, seed)] = shape
    return shape


def known_shape(name: str, seed: int) -> DataShape | None:
    """A data set's sizes if this server has read it already (loading one can take long the first time)."""
    return start_warm_up().shapes.get((name, seed))


def preset_shape(scenario: Scenario) -> DataShape | None:
    """The sizes of a preset's data, once this server has read it (the default set is read now)."""
    shape = known_shape(scenario.dataset, scenario.data_seed)
    if shape is None and scenario.dataset == DEFAULT_DATASET:  # read in a blink
        shape = _remember(start_warm_up(), scenario.dataset, scenario.data_seed)
    return shape


def here(estimate: Estimate) -> str:
    """ "about 12 s on this server" (measured here; what the same job took last time, if it ran before)."""
    return f"{estimates.about(estimate.seconds)} on this server"


ESTIMATE_POLL_SECONDS = 2.0  # how often words still waiting for a measurement look again
MEASURING = "how long that takes on this server is still being measured"  # an estimate_now of None, in words


def estimate_now(estimate: Callable[[], T]) -> T | None:
    """``estimate()`` from what this server has measured already, or None while a figure it needs
    is still being measured (by the start-up warm-up or another page): a page never waits for a
    measurement, which on a busy server can take a minute. ``offer_job`` measures it on the click."""
    try:
        with timing.measured_only():
            return estimate()
    except timing.NotMeasuredYet:
        return None


def here_or_measuring(estimate: Estimate | None) -> str:
    """ "about 12 s on this server", or (an ``estimate_now`` of None) that it is still being measured."""
    return here(estimate) if estimate is not None else MEASURING


def live_figures(figures: Callable[[], T], draw: Callable[[T | None], object]) -> T | None:
    """``draw(figures())`` at once, from the figures measured so far (:func:`estimate_now`). While
    they are still being measured (a server just started), ``draw(None)`` says so and the drawing
    redraws itself every ``ESTIMATE_POLL_SECONDS`` (a fragment, not the page) until they are known;
    it goes on looking while the page stays as it is (a dictionary read each time)."""
    known = estimate_now(figures)
    if known is not None:
        draw(known)
        return known

    @st.fragment(run_every=ESTIMATE_POLL_SECONDS)
    def until_measured() -> None:
        draw(estimate_now(figures))

    until_measured()
    return None


def live_estimate(estimate: Callable[[], Estimate], words: Callable[[Estimate | None], str],
                  show: Callable[[str], object] = st.info) -> Estimate | None:
    """Show ``words(estimate)`` at once, or (a server still measuring) ``words(None)`` until it is known
    (:func:`live_figures`)."""
    return live_figures(estimate, lambda known: show(words(known)))


def busy_note() -> str:
    """ " The server is busy ..., so expect longer." when other work shares the CPU, else ""."""
    note = estimates.busy_note(busy.machine_load())
    return f" {note}" if note else ""


@contextmanager
def job(what: str, expected: float = 0.0, on_wait=None) -> Iterator[busy.RunningJob]:
    """Run a heavy job once the server's queue lets it (``on_wait`` hears its place meanwhile):
    while it runs other pages see the server busy; afterwards the job says how long it took and
    whether it ran alone (for :func:`record`)."""
    with busy.JOBS.running(what, expected, on_wait) as running:
        yield running


def in_line(standing: busy.Waiting) -> str:
    """ "2nd in line, about 15 s": a queued job's place, in words."""
    place = "Next in line" if standing.place == 1 else f"{ordinal(standing.place)} in line"
    when = f", about {estimates.about(standing.seconds)[6:]} until it starts" if standing.seconds >= 1 else ""
    return f"{place} for the server (it runs {count_of(busy.JOBS.slot_count(), 'heavy job')} at once){when}..."


def record(estimate: Estimate, finished: busy.RunningJob) -> None:
    """What a finished job took becomes the same job's next estimate (when it ran alone)."""
    job_records.record(estimate.signature, estimate.computed, finished)
