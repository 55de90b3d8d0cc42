"""How long work takes on this machine: measured here, never assumed.

Every time the lab shows rests on measurements made on the machine it runs on:

- **Unit costs.** A few real steps of the library's own code (training steps, forward
  passes, Neural Cleanse's search steps, STRIP's blends, a data inspection, stamping a
  trigger), timed after a warm-up on random inputs of the right shape. Each is measured
  once per process and kept (thread-safe); a figure measured while the machine was busy
  is measured again once it is quiet. The server's warm-up keeps the quiet ones for its next
  start (``backdoor.unit_costs``). ``backdoor.estimates`` turns a job's configuration into a
  count of these units.
- **Finished jobs.** What a job took is recorded in ``<cache>/timings.json``
  (``backdoor.job_records``); an estimate for the very same job prefers that figure when the
  job ran alone.
- **Load.** ``backdoor.busy`` says when other work shares the CPU, so a figure measured on a
  busy machine is not kept as if it were the machine's own.

``warm_up`` runs a tiny training (torch sets up its thread pools and kernels on the first
steps of a process) and the common measurements, so neither lands on a user's first click.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Hashable, Iterator

import torch

from backdoor.attacks import apply_trigger
from backdoor.busy import BUSY_CORES, CpuWindow, JOBS, WORK, machine_load
from backdoor.metrics import predict_proba
from backdoor.train import TrainConfig, train
from models import build_model, layer


TIMED_STEPS = 20  # training or search steps timed per measurement, after WARM_STEPS untimed ones
WARM_STEPS = 3


@dataclass(frozen=True)
class Rig:
    """What a unit of work costs depends on: the architecture, the image shape, the number
    of classes and the device."""

    model: str
    image_shape: tuple[int, int, int]
    num_classes: int
    device: str = "cpu"

    def build(self) -> torch.nn.Module:
        """A model of this shape with random weights from a private generator: a measurement
        never draws from (or reseeds) torch's global generator another user's training uses."""
        with torch.device("meta"):
            model = build_model(self.model, self.image_shape, self.num_classes)
        model = model.to_empty(device=self.device)
        gen = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.empty(p.shape).uniform_(-0.05, 0.05, generator=gen))
            for name, buffer in model.named_buffers():
                buffer.fill_(1 if name.endswith("running_var") else 0)
        return model

    def layer_channels(self, layer_name: str) -> int:
        """Output channels of one conv layer (read from the architecture; nothing is computed)."""
        with torch.device("meta"):
            return layer(build_model(self.model, self.image_shape, self.num_classes), layer_name).out_channels

    def images(self, count: int, clustered: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """Random images and labels of this shape; ``clustered``: each class a noisy copy of its
        own random picture, so classes form clusters as real ones do (clustering converges as fast)."""
        gen = torch.Generator().manual_seed(0)
        y = torch.randint(0, self.num_classes, (count,), generator=gen)
        x = torch.rand((count, *self.image_shape), generator=gen)
        if clustered:
            prototypes = torch.rand((self.num_classes, *self.image_shape), generator=gen)
            x = 0.8 * prototypes[y] + 0.2 * x
        return x, y


# --- unit costs, measured once per process --------------------------------------------


class NotMeasuredYet(LookupError):
    """A unit cost has not been measured yet, and the caller asked not to wait for it."""


_caller = threading.local()


@contextmanager
def giving_way(stopping: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """Within this block every measurement first waits until no registered job runs (a
    background warm-up must not slow a user's training), or until ``stopping()``."""
    _caller.give_way = stopping
    try:
        yield
    finally:
        _caller.give_way = None


def _others_at_work() -> bool:
    """A user's job, or a page's own computation in another thread, is under way."""
    return bool(JOBS.names()) or WORK.others_active()


def quiet_now() -> bool:
    """Whether a unit cost measured now would be a quiet machine's (nothing else on the processor, a
    browser drawing a page included; no job and no other page computing in this process)."""
    return machine_load().quiet and not WORK.others_active()


QUIET_WAIT_SECONDS = 20.0  # the longest a background measurement waits for the processor to be quiet


def _wait_for_jobs() -> None:
    """A background caller waits while others work, then (for a while at most) until the processor is
    quiet: on a laptop the lab's first page is drawn by a browser on the same cores, right as the
    start-up warm-up begins."""
    stopping = getattr(_caller, "give_way", None)
    if stopping is None:
        return
    while _others_at_work() and not stopping():
        time.sleep(0.2)
    deadline = time.monotonic() + QUIET_WAIT_SECONDS
    while not stopping() and not _others_at_work() and not quiet_now() and time.monotonic() < deadline:
        time.sleep(0.2)


class _GaveWay(Exception):
    """A background measurement stopped part-way because a user's job started."""


def _give_way_now() -> None:
    """Called between a measurement's steps: a background caller drops the measurement as
    soon as a user's job or a page's computation starts (it is taken again afterwards), so at most
    one step of it ever runs beside them."""
    stopping = getattr(_caller, "give_way", None)
    if stopping is not None and _others_at_work() and not stopping():
        raise _GaveWay


@contextmanager
def measured_only() -> Iterator[None]:
    """Within this block an estimate uses only figures already measured and raises
    ``NotMeasuredYet`` instead of measuring (for pages that must draw at once)."""
    _caller.no_wait = True
    try:
        yield
    finally:
        _caller.no_wait = False


@contextmanager
def one_reading() -> Iterator[None]:
    """Within this block (one run of a page) each unit cost is read once: a page that quotes a job's
    time twice, in a table and on a card, says the same both times, even when a quieter measurement
    replaces the figure in between (the next run reads the new one)."""
    outer = getattr(_caller, "reading", None)
    if outer is None:
        _caller.reading = {}
    try:
        yield
    finally:
        if outer is None:
            _caller.reading = None


class _Turns:
    """A re-entrant lock handed out in the order it was asked for: a page asking for one figure waits
    for the measurement under way, not behind every later one a background warm-up asks for."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: deque[int] = deque()
        self._owner: int | None = None
        self._depth = 0

    def __enter__(self) -> None:
        me = threading.get_ident()
        with self._changed:
            if self._owner == me:
                self._depth += 1
                return
            self._waiting.append(me)
            while self._owner is not None or self._waiting[0] != me:
                self._changed.wait()
            self._waiting.popleft()
            self._owner, self._depth = me, 1

    def __exit__(self, *_exc) -> None:
        with self._changed:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._changed.notify_all()


class _Measurements:
    """Measured unit costs by key; each key is measured by one caller while others wait, and one
    measurement runs at a time in the process: two at once (the start-up warm-up and a page's) share
    the cores, and each would read up to twice too slow, unseen by the load check, which counts other
    processes only (a matrix estimated at 731 s against 343 s measured alone)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[Hashable, tuple[float, bool]] = {}
        self._again: dict[Hashable, Callable[[], float]] = {}  # how to measure again each figure taken while busy
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._one_at_a_time = _Turns()  # re-entrant: a measurement may ask for another figure
        self._known: dict[str, float] = {}  # quiet figures an earlier process measured (``remember``), by key repr
        self._measured_here: dict[Hashable, float] = {}  # figures this process measured quietly -> when (epoch s)

    def get(self, key: Hashable, measure: Callable[[], float]) -> float:
        reading = getattr(_caller, "reading", None)  # one_reading(): what this page already quoted
        if reading is not None and key in reading:
            return reading[key]
        seconds = self._get(key, measure)
        if reading is not None:
            reading[key] = seconds
        return seconds

    def _get(self, key: Hashable, measure: Callable[[], float]) -> float:
        gave_way = False
        while True:
            with self._lock:
                key_lock = self._key_locks.setdefault(key, threading.Lock())
                found = self._values.get(key)
                if found is None and self._known:
                    known = self._known.get(_stable_repr(key))
                    if known is not None:
                        found = self._values[key] = (known, False)
                if getattr(_caller, "no_wait", False):
                    if found is None:
                        raise NotMeasuredYet(key)
                    return found[0]
                if found is not None and not found[1] and not gave_way:
                    return found[0]  # measured on a quiet machine: no need to queue behind a measurement
                unmeasured = found is None
            if found is not None and not gave_way and not quiet_now():
                return found[0]  # taken while busy, and still busy: measured again once quiet (``refresh``)
            if unmeasured or gave_way:
                _wait_for_jobs()  # (a background caller only; before taking the key, so pages never wait on it)
            with self._one_at_a_time, key_lock:  # always in this order, so two callers never hold one each
                found = self._values.get(key)
                if found is not None and (not found[1] or not quiet_now()):
                    return found[0]  # a figure from a busy machine is measured again once it is quiet
                jobs_before, window, pages_worked = bool(JOBS.names()), CpuWindow(), WORK.window()
                try:
                    seconds = measure()
                except _GaveWay:
                    gave_way = True
                    continue  # (the key's lock is let go first, so a user's job never waits on it)
                busy = (jobs_before or bool(JOBS.names()) or pages_worked()
                        or window.other_processes_cores() >= BUSY_CORES)
                with self._lock:
                    self._values[key] = (seconds, busy)
                    self._again.pop(key, None)
                    if busy:
                        self._again[key] = measure  # (at the back of the line)
                        self._measured_here.pop(key, None)
                    else:
                        self._measured_here[key] = time.time()
                return seconds

    def turn(self) -> _Turns:
        """Hold it to run other timed or timing-sensitive work with no measurement beside it."""
        return self._one_at_a_time

    def busy_figures(self) -> list[Hashable]:
        """The figures taken while the machine was busy, oldest first."""
        with self._lock:
            return list(self._again)

    def refresh(self) -> bool:
        """Measure again the oldest figure taken while busy, if the machine is quiet now (for a
        background thread, within ``giving_way``). True when it measured one."""
        with self._lock:
            if not self._again:
                return False
            key, measure = next(iter(self._again.items()))
        if not quiet_now():
            return False
        self._get(key, measure)
        return True

    def remember(self, figures: dict[str, float]) -> None:
        """Take quiet figures measured by an earlier process on this machine (``backdoor.unit_costs``,
        by the ``repr`` of their key): a key found there is not measured again."""
        with self._lock:
            self._known = dict(figures)

    def quiet_figures(self) -> dict[str, tuple[float, float]]:
        """The figures this process measured on a quiet machine, by the ``repr`` of their key: (seconds,
        when measured, epoch seconds). Keys whose ``repr`` names a memory address are left out:
        another process could not find them."""
        with self._lock:
            pairs = [(_stable_repr(key), (self._values[key][0], when)) for key, when in self._measured_here.items()]
        return {text: figure for text, figure in pairs if text is not None}

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._again.clear()
            self._known.clear()
            self._measured_here.clear()


def _stable_repr(key: Hashable) -> str | None:
    """``repr(key)``, the same in every process, or None when it names a memory address."""
    text = repr(key)
    return None if " at 0x" in text else text


MEASURED = _Measurements()


def step_times(run: Callable[[Callable[[], None]], None]) -> float:
    """Mean seconds per step of ``run(tick)``, which calls ``tick()`` after every step, leaving
    out the first ``WARM_STEPS`` (allocations and caches settle there): what a long run of the
    same steps takes per step, stalls included."""
    stamps: list[float] = []

    def tick() -> None:
        _give_way_now()
        stamps.append(time.perf_counter())

    run(tick)
    timed = stamps[WARM_STEPS:]
    return (timed[-1] - timed[0]) / (len(timed) - 1)


def per_item(run: Callable[[], None], items: int, repeats: int = 2) -> float:
    """Seconds per item of ``run()`` (which handles ``items`` items): the mean of a few runs
    after one untimed run."""
    run()
    _give_way_now()
    start = time.perf_counter()
    for _ in range(repeats):
        run()
    _give_way_now()  # a user's job started during the timed runs: they would read too slow
    return (time.perf_counter() - start) / (repeats * items)


def train_step_seconds(rig: Rig, batch_size: int = 64, augment: bool = False, mixup: float = 0.0) -> float:
    """One step of ``backdoor.train.train`` (forward, backward, Adam, schedule) at this batch size."""
    def measure() -> float:
        steps = WARM_STEPS + TIMED_STEPS + 1
        x, y = rig.images(steps * batch_size)
        config = TrainConfig(epochs=1, batch_size=batch_size, learning_rate=1e-3, augment=augment, mixup=mixup)
        return step_times(lambda tick: train(rig.build(), x, y, config, device=rig.device,
                                              on_progress=lambda *_: tick()))

    return MEASURED.get(("train_step", rig, batch_size, augment, mixup), measure)


def inference_seconds(rig: Rig) -> float:
    """One image through the model in eval mode, in the batches ``backdoor.metrics`` uses."""
    def measure() -> float:
        model, (x, _) = rig.build().eval(), rig.images(1024)
        return per_item(lambda: predict_proba(model, x, rig.device), len(x))

    return MEASURED.get(("inference", rig), measure)


def stamp_seconds(trigger, image_shape: tuple[int, int, int]) -> float:
    """Stamping one image with this trigger."""
    def measure() -> float:
        x = torch.rand((256, *image_shape), generator=torch.Generator().manual_seed(0))
        return per_item(lambda: apply_trigger(x, trigger), len(x))

    return MEASURED.get(("stamp", trigger, image_shape), measure)


def _first_steps(rig: Rig) -> None:
    """A few untimed training steps and predictions: torch's first steps in a process are slow."""
    x, y = rig.images(WARM_STEPS * 64)
    train(rig.build(), x, y, TrainConfig(epochs=1, batch_size=64, learning_rate=1e-3), device=rig.device,
          on_progress=lambda *_: _give_way_now())
    predict_proba(rig.build().eval(), x, rig.device)


def warm_up(rigs: list[Rig]) -> None:
    """Torch's first steps in a process are slow (thread pools, kernels): take them here, untimed,
    then the measurements every page needs first, rather than on a user's first click. (Measured
    straight away, a fresh process's first training step read 1.4 times what it takes afterwards.)"""
    for rig in rigs:
        _wait_for_jobs()
        try:
            with MEASURED.turn():  # not beside a page's measurement
                _first_steps(rig)
        except _GaveWay:
            pass  # a user's job takes torch's first steps itself
        train_step_seconds(rig)
        inference_seconds(rig)
