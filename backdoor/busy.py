"""Is this machine busy? Heavy jobs running in this process, and CPU used by anything else.

Every user of a server shares its CPU, so a time measured when the machine was quiet is a
promise only while it stays quiet: pages ask ``machine_load()`` and say "expect longer" when
it is busy. Jobs register on the process-wide ``JOBS`` board while they run (one board per
process on purpose: the CPU is shared by the whole process), and learn afterwards whether
they ran alone, which says whether their duration is worth remembering. Pages' own computations
register as ``WORK`` (``PageWork``), so a measurement knows when another thread shared the cores.
What pages call "other programs" leaves web browsers out (``browser_cpu``): on a laptop the browser
drawing the lab's own page is on the same cores for a moment; measurements count it all the same.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import psutil

BUSY_CORES = 0.5  # other work using half a core or more makes the machine "busy"
LOAD_SAMPLE_SECONDS = 0.2  # how long ``machine_load`` watches the CPU
LOAD_FRESH_SECONDS = 2.0  # a load reading younger than this is reused
COUNTER_SLACK_SECONDS = 0.02  # two ticks of the kernel's CPU-time counters


@dataclass(frozen=True)
class Load:
    jobs: tuple[str, ...]  # heavy jobs running in this process (other users' work)
    cpu_cores: float  # CPU in use by other programs, web browsers aside, in cores
    cores: int
    browser_cores: float = 0.0  # CPU in use by web browsers (drawing the lab's pages, among others)

    @property
    def busy(self) -> bool:
        """Whether a job started now should expect to take longer: what the pages say."""
        return bool(self.jobs) or self.cpu_cores >= BUSY_CORES

    @property
    def quiet(self) -> bool:
        """Whether a unit cost measured now would be a quiet machine's: no job, and nothing else on the
        processor, browsers included (a browser drawing a page for a moment slows a measurement all the same)."""
        return not self.jobs and self.cpu_cores + self.browser_cores < BUSY_CORES


@dataclass
class RunningJob:
    what: str
    started: float
    seconds: float = 0.0
    alone: bool = True  # no other job or page's work overlapped it and nothing else loaded the CPU
    expected: float = 0.0  # its estimate, in seconds (0: unknown), for those queued behind it


def job_slots() -> int:
    """How many heavy jobs run at once: ``BACKDOOR_LAB_JOB_SLOTS``, else one per core."""
    try:
        return max(1, int(os.environ.get("BACKDOOR_LAB_JOB_SLOTS", "")))
    except ValueError:
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Waiting:
    """Where a queued job stands: its place in line (1: next) and about how long until it starts."""

    place: int
    seconds: float  # 0 when the jobs ahead have no estimate


class JobBoard:
    """The heavy jobs of this process: at most ``slots`` run at once, the rest wait in FIFO order.

    A server's users all share its CPU, so this one board is process-wide on purpose (``JOBS``).
    Three trainings at once each took 2.8 times as long as one alone (RESULTS.md), and 25
    would stall every page: a queue keeps each job's speed and tells the waiting where they are.
    """

    def __init__(self, slots: int | None = None) -> None:
        self._lock = threading.Condition()
        self._running: list[RunningJob] = []
        self._queue: list[RunningJob] = []
        self.slots = slots

    def slot_count(self) -> int:
        return self.slots or job_slots()

    def names(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(job.what for job in self._running)

    def queued(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(job.what for job in self._queue)

    def _waiting(self, job: RunningJob) -> Waiting:
        """Its place, and when a slot frees for it if every job takes its estimate (FIFO)."""
        now = time.perf_counter()
        free = sorted(max(0.0, other.expected - (now - other.started)) for other in self._running)
        free += [0.0] * max(0, self.slot_count() - len(free))
        place = self._queue.index(job)
        for ahead in self._queue[:place]:
            free.sort()
            free[0] += ahead.expected
        return Waiting(place + 1, min(free))

    @contextmanager
    def running(self, what: str, expected: float = 0.0,
                on_wait: Callable[[Waiting], None] | None = None) -> Iterator[RunningJob]:
        """Run a job once a slot is free (``on_wait`` hears where it stands meanwhile, a few times a
        second); afterwards ``.seconds`` and ``.alone`` say how it went. A job that fails, or whose
        waiter gives up (an exception from ``on_wait``), frees its place and its slot."""
        job = RunningJob(what, time.perf_counter(), expected=expected)
        with self._lock:
            self._queue.append(job)
        try:
            while True:
                with self._lock:
                    if self._queue[0] is job and len(self._running) < self.slot_count():
                        self._queue.pop(0)
                        job.started = time.perf_counter()
                        for other in self._running:
                            other.alone = False
                        job.alone = not self._running
                        self._running.append(job)
                        self._lock.notify_all()  # the next in line may fit too
                        break
                    standing = self._waiting(job)
                if on_wait is not None:
                    on_wait(standing)
                with self._lock:
                    self._lock.wait(timeout=0.5)
        except BaseException:
            with self._lock:
                if job in self._queue:
                    self._queue.remove(job)
                self._lock.notify_all()
            raise
        window, pages = CpuWindow(), WORK.window()
        try:
            yield job
        finally:
            with self._lock:
                self._running.remove(job)
                self._lock.notify_all()
            job.seconds = time.perf_counter() - job.started
            # another page's computation in this process shares the cores as another job would
            job.alone = job.alone and not pages() and window.other_processes_cores() < BUSY_CORES


JOBS = JobBoard()


class PageWork:
    """Heavy work this process does outside the job queue, by thread: a page computing a result for
    the server's memos (the drill's traffic, a page's figures, a model read from the store).

    The load check cannot see it (it counts other processes), yet it shares the cores: a unit cost
    measured beside it reads slow (a colour model's training step at 1.5 times its time beside one
    page's training), and a figure that looked quiet is never measured again. Measurements ask
    :meth:`window` whether work by *other* threads overlapped them; a thread's own work never counts
    against its own measurement (a page may measure inside the result it computes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[int, int] = {}  # thread -> nesting depth of its work under way
        self._started = 0  # pieces of work started, by every thread, ever
        self._mine = threading.local()  # .started: those this thread started

    @contextmanager
    def running(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._lock:
            self._active[me] = self._active.get(me, 0) + 1
            self._started += 1
        self._mine.started = getattr(self._mine, "started", 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._active[me] -= 1
                if not self._active[me]:
                    del self._active[me]

    def others_active(self) -> bool:
        """Whether another thread has work under way right now."""
        me = threading.get_ident()
        with self._lock:
            return any(thread != me for thread in self._active)

    def _others_started(self) -> int:
        with self._lock:
            return self._started - getattr(self._mine, "started", 0)

    def window(self) -> Callable[[], bool]:
        """Call at the start of a measurement; the function it returns says, at its end, whether
        other threads' work ran at any moment in between."""
        active, started = self.others_active(), self._others_started()
        return lambda: active or self.others_active() or self._others_started() != started


WORK = PageWork()


# Web browsers, matched in lower-case process names; their helper processes are found as their descendants.
BROWSERS = ("chrom", "firefox", "safari", "msedge", "brave", "opera", "vivaldi", "webkit")


def browser_cpu() -> dict[tuple[int, float], float]:
    """CPU seconds used so far by each web browser process and every process it started, by (pid, start time).

    On a laptop the lab's own pages are drawn by a browser on the same processor. Drawing a page takes
    its browser one to two cores for a moment, exactly while the page's script asks whether the machine
    is busy, so counting browsers among the "other programs" a page names would tell every user the
    processor is busy on an idle machine (1.4-1.6 of 2 cores, read on every page in Chromium). The price:
    a browser kept busy by something else (a video in another tab) goes unnamed too. Measurements still
    count browsers (``Load.quiet``): for a moment they do share the cores."""
    processes = {}
    for process in psutil.process_iter(["pid", "ppid", "name", "cpu_times", "create_time"]):
        processes[process.info["pid"]] = process.info
    found: dict[tuple[int, float], float] = {}
    for pid, info in processes.items():
        ancestor, hops = pid, 0
        while ancestor in processes and hops < 32:  # the process itself, then its parents
            name = (processes[ancestor]["name"] or "").lower()
            if any(browser in name for browser in BROWSERS):
                times = info["cpu_times"]
                if times is not None:
                    found[pid, info["create_time"] or 0.0] = times.user + times.system
                break
            parent = processes[ancestor]["ppid"]
            if not parent or parent == ancestor:
                break
            ancestor, hops = parent, hops + 1
    return found


class CpuWindow:
    """CPU used by other processes between its creation and a reading; with ``browsers``, web
    browsers' share apart (it costs a walk over the process table at each end, so only the load
    check, which names what it sees, asks for it)."""

    def __init__(self, browsers: bool = False) -> None:
        self._browsers = browsers
        self._start = self._sample()

    def _sample(self) -> tuple[float, float, float, dict[tuple[int, float], float]]:
        system = psutil.cpu_times()
        own = psutil.Process().cpu_times()
        return time.perf_counter(), _busy(system), own.user + own.system, browser_cpu() if self._browsers else {}

    def _others(self) -> tuple[float, float, dict, dict]:
        t0, system0, own0, browsers0 = self._start
        t1, system1, own1, browsers1 = self._sample()
        # CPU counters move in ticks (10 ms on Linux): over a short window one stray tick would
        # read as whole cores of other work, so two ticks of difference count as none.
        others = max(0.0, (system1 - system0) - (own1 - own0) - COUNTER_SLACK_SECONDS)
        return others, max(t1 - t0, 1e-6), browsers0, browsers1

    def reading(self) -> tuple[float, float]:
        """Cores used since the window opened by other programs, web browsers aside, and by browsers."""
        if not self._browsers:
            raise ValueError("This window was opened without browsers=True.")
        others, seconds, browsers0, browsers1 = self._others()
        # a browser process started in the window counts from zero; one that ended in it is lost (counted as other)
        browsers = min(others, max(0.0, sum(used - browsers0.get(key, 0.0) for key, used in browsers1.items())))
        return (others - browsers) / seconds, browsers / seconds

    def other_processes_cores(self) -> float:
        """Cores used since the window opened by every other process, browsers included."""
        others, seconds, _, _ = self._others()
        return others / seconds


def _busy(times) -> float:
    return times.user + times.nice + times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0)


_load_lock = threading.Lock()
_last_load: list = [0.0, None]  # (when, Load): one reading shared by every caller for a moment


def machine_load() -> Load:
    """Jobs running in this process, and the CPU other programs use right now (watched for
    ``LOAD_SAMPLE_SECONDS`` while the caller waits; reused for a moment). This process's own
    CPU outside jobs is left out: page drawing is brief, and the start-up warm-up gives way
    to every job (``backdoor.timing.giving_way``), so neither slows a user's job for long."""
    if not _load_lock.acquire(blocking=_last_load[1] is None):
        last = _last_load[1]  # another page is taking a fresh reading: the last one will do, not a queue behind it
        return Load(JOBS.names(), last.cpu_cores, last.cores, last.browser_cores)
    try:
        when, reading = _last_load
        if reading is not None and time.monotonic() - when < LOAD_FRESH_SECONDS:
            return Load(JOBS.names(), reading.cpu_cores, reading.cores, reading.browser_cores)
        window = CpuWindow(browsers=True)
        time.sleep(LOAD_SAMPLE_SECONDS)
        programs, browsers = window.reading()
        reading = Load(JOBS.names(), round(programs, 2), psutil.cpu_count() or 1, round(browsers, 2))
        _last_load[:] = [time.monotonic(), reading]
        return reading
    finally:
        _load_lock.release()
