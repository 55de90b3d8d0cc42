"""Many students at once: N concurrent browser sessions walk the default path on one server.

Each session is its own browser context (its own cookies, so its own Streamlit session)
in one headless Chromium, driven by Playwright's async API. A session opens the app, then
poison -> train -> trigger -> explain -> one defense (STRIP), and records how long each
page took to show what a user waits for. ``serve()`` starts ``streamlit run`` on a free
port; the browser tests and ``benchmarks/run.py load`` share both.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ui import page_timing

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
STEP_TIMEOUT_MS = int(os.environ.get("LOAD_STEP_TIMEOUT_MS", 600_000))  # a page may wait for others' training on a busy 2-core server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, seconds: float, what: str, log: Callable[[], str]) -> None:
    """Return once ``url`` answers its health check; fail with the log's tail if ``proc`` exits
    or ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{what} did not start: " + log()[-2000:]) from None
            time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    """Ask a server to stop; kill it if it has not within 10 s (a killed one is left as it is)."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


@contextlib.contextmanager
def serve(store: Path, log_path: Path | None = None, port: int | None = None,
          env: dict[str, str] | None = None) -> Iterator[Server]:
    """``streamlit run app.py`` with its own model store; yields it once it is healthy.

    ``port``: reuse one (a restart under browsers that stay open); by default a free one.
    ``env``: more environment for the server (its class database, its public address).
    """
    port = port or _free_port()
    log = open(log_path, "w+") if log_path else tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=dict(os.environ, BACKDOOR_LAB_STORE=str(store), **(env or {})), stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url, proc, 60, "streamlit", lambda: (log.seek(0), log.read())[1])
        yield Server(url, proc.pid)
    finally:
        stop(proc)
        log.close()


@dataclass
class SessionRun:
    """One simulated student: seconds per step, the whole walk, and what went wrong."""

    number: int
    steps: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    error: str | None = None
    current: str = ""  # the step under way (a failure names it)


# Streamlit marks the app root with its script state; "notRunning" means this run's elements are all drawn.
IDLE = '[data-test-script-state="notRunning"]'


async def _settled(page) -> None:
    """Wait for the rerun the last action started, so the next click lands on current widgets."""
    await page.wait_for_timeout(300)
    await page.locator(IDLE).wait_for(timeout=STEP_TIMEOUT_MS)


def _timer(page, run: SessionRun):
    """``step(name, action, wait_text)``: do ``action`` and time it until ``wait_text`` shows."""
    async def step(name: str, action, wait_text: str) -> None:
        run.current = name
        t = time.perf_counter()
        await action()
        await page.get_by_text(wait_text).first.wait_for(timeout=STEP_TIMEOUT_MS)
        run.steps[name] = round(time.perf_counter() - t, 2)
    return step


async def _run_strip(page) -> None:
    """On the Defend page: choose STRIP alone and press Run."""
    await page.get_by_text("Defenses to run").wait_for(timeout=STEP_TIMEOUT_MS)
    await _settled(page)
    await page.get_by_role("button", name="Clear all").first.click()
    await _settled(page)
    await page.get_by_label("Defenses to run").click()
    await page.get_by_role("option", name="STRIP").click()
    await page.keyboard.press("Escape")
    await _settled(page)
    await page.get_by_role("button", name="Run the selected defenses").click()


async def _walk(browser, url: str, number: int, shots: Path | None) -> SessionRun:
    run = SessionRun(number)
    context = await browser.new_context(viewport={"width": 1400, "height": 3000})
    page = await context.new_page()
    # Clicks too may wait: eight tabs share the server's 2 cores, and a starved tab can take more
    # than Playwright's default 30 s to paint the link it is asked to click.
    page.set_default_timeout(STEP_TIMEOUT_MS)
    start = time.perf_counter()

    step = _timer(page, run)

    async def open_page(link: str):
        await page.get_by_role("link", name=link).first.click()

    async def train():
        await open_page("2. Train the models")
        button = page.get_by_role("button", name="Train both models")
        done = page.get_by_text("Training took")  # only on this page, once both models exist
        await button.or_(done).first.wait_for(timeout=STEP_TIMEOUT_MS)
        if await button.count():
            await button.click()

    async def one_defense():
        await open_page("5. Defend")
        await _run_strip(page)

    try:
        await step("start", lambda: page.goto(url), "Your path")
        await step("poison", lambda: open_page("1. Poison the data"), "What the attacker did")
        await step("train", train, "Training took")
        await step("trigger", lambda: open_page("3. Fire the trigger"), "Every test image, with and without")
        await step("explain", lambda: open_page("4. Explain"), "each explained for the class the model chose")
        await step("defend", one_defense, "As a monitor in front of the deployed model")
        body = await page.inner_text("body")
        if "Traceback" in body:
            run.error = "a stack trace is shown on the page"
        if shots is not None:
            await page.screenshot(path=str(shots / f"load-session-{number}.png"), full_page=True)
    except Exception as error:  # noqa: BLE001 - a failed session is a result to report, not a crash
        run.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
        if shots is not None:
            with contextlib.suppress(Exception):
                await page.screenshot(path=str(shots / f"load-session-{number}-failed.png"), full_page=True)
    run.total = round(time.perf_counter() - start, 2)
    await context.close()
    return run


async def _load(url: str, sessions: int, shots: Path | None) -> list[SessionRun]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            return list(await asyncio.gather(*(_walk(browser, url, n, shots) for n in range(1, sessions + 1))))
        finally:
            await browser.close()


class _PeakMemory(threading.Thread):
    """Samples a process's resident memory (with its children) until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self._stop_event = pid, 0, threading.Event()

    def run(self) -> None:
        import psutil

        process = psutil.Process(self.pid)
        while not self._stop_event.wait(0.5):
            try:
                rss = process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
            except psutil.Error:
                return
            self.peak = max(self.peak, rss)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak / 2**20


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time the processes ``pids`` (and their children) have used so far."""
    import psutil

    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            for p in [process, *process.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = p.cpu_times()
                    total += times.user + times.system
    return total


def _machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (every core, every process) since boot."""
    import psutil

    times = psutil.cpu_times()
    waiting = ("idle", "iowait", "steal", "guest", "guest_nice")  # not this machine's work (guest is in user too)
    return sum(times) - sum(getattr(times, name, 0.0) for name in waiting)


def load_test(server: Server, sessions: int = 8, shots: Path | None = None) -> dict:
    """Run ``sessions`` concurrent walks against the server; return the figures."""
    memory = _PeakMemory(server.pid)
    memory.start()
    start = time.perf_counter()
    # In a thread of its own: the caller may already run an event loop (sync Playwright does).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        runs = pool.submit(asyncio.run, _load(server.url, sessions, shots)).result()
    wall = time.perf_counter() - start
    peak_mb = memory.stop()
    finished = [r for r in runs if r.error is None]
    steps = sorted({name for r in runs for name in r.steps})
    slowest = {name: max(r.steps.get(name, 0.0) for r in runs) for name in steps}
    # the slowest page response that is not the training run itself (which waits for training)
    pages = {k: v for k, v in slowest.items() if k != "train"}
    return {
        "sessions": sessions,
        "finished": len(finished),
        "errors": [f"session {r.number}: {r.error}" for r in runs if r.error],
        "wall_seconds": round(wall, 1),
        "slowest_session_seconds": max(r.total for r in runs),
        "median_session_seconds": sorted(r.total for r in runs)[len(runs) // 2],
        "slowest_step_seconds": slowest,
        "slowest_page_response_seconds": max(pages.values()) if pages else None,
        "slowest_page": max(pages, key=pages.get) if pages else None,
        "server_peak_memory_mb": round(peak_mb),
    }


# --- the class path: students join a class by its link ------------------------------------------

CLASS_STEPS = ("join", "poison", "train", "quiz", "trigger", "defend")


@dataclass(frozen=True)
class Pacing:
    """How a class arrives and reads. The default (no window, no reading) is lockstep: every
    student starts at the same instant and clicks on the moment a page shows.

    ``arrive_within``: each student starts at a random offset in [0, arrive_within] seconds.
    ``think``: before each step after the first, a student reads for a random (lo, hi) seconds.
    ``seed``: the draws are seeded per student, so a run's schedule is the same every time.
    """

    arrive_within: float = 0.0
    think: tuple[float, float] = (0.0, 0.0)
    seed: int = 0


@dataclass(frozen=True)
class StudentPace:
    """One student's schedule: when they arrive, and how long they read before each later step."""

    arrive: float
    reads: tuple[float, ...]


def student_pace(pacing: Pacing, number: int, steps: int = len(CLASS_STEPS)) -> StudentPace:
    """Student ``number``'s arrival and reading times (``steps - 1`` reads), from their own
    ``random.Random``; a pacing of zeros gives zeros, so the walk waits for nothing."""
    lo, hi = pacing.think
    if not 0 <= lo <= hi or pacing.arrive_within < 0:
        raise ValueError(f"pacing needs 0 <= think lo <= hi and arrive_within >= 0: {pacing}")
    rng = random.Random(f"class-pace:{pacing.seed}:{number}")
    arrive = round(rng.uniform(0.0, pacing.arrive_within), 2)
    return StudentPace(arrive, tuple(round(rng.uniform(lo, hi), 2) for _ in range(steps - 1)))


async def _class_walk(browser, link: str, number: int, shots: Path | None, cookie: dict | None,
                      pace: StudentPace | None = None, viewport: tuple[int, int] = (1280, 2400)) -> SessionRun:
    """One student: join by the link, train the class preset, answer a quiz, fire the trigger and
    run one defense (STRIP). Each step's time runs from the click to what the student waits for.

    ``pace``: wait ``arrive`` seconds before opening the browser context and read for the next of
    ``reads`` before each step after the join; reading is not counted in a step's time (it is in
    the session's total, which starts at arrival)."""
    run = SessionRun(number)
    if pace is not None and pace.arrive > 0:
        await asyncio.sleep(pace.arrive)
    context = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    if cookie is not None:
        await context.add_cookies([cookie])
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    start = time.perf_counter()

    timed = _timer(page, run)
    reads = iter(pace.reads if pace is not None else ())

    async def step(name: str, action, wait_text: str) -> None:
        if name != CLASS_STEPS[0] and (read := next(reads, 0.0)) > 0:
            await asyncio.sleep(read)  # the student reads the page before the next click
        await timed(name, action, wait_text)

    async def join():
        await page.goto(link)
        await page.get_by_role("textbox", name="Nickname").fill(f"student-{number}")
        await page.get_by_role("button", name="Join").click()

    async def train():
        await page.get_by_role("link", name="Next: train a model on this data").click()
        button = page.get_by_role("button", name="Train both models")
        await button.or_(page.get_by_text("Training took")).first.wait_for(timeout=STEP_TIMEOUT_MS)
        if await button.count():
            await button.click()

    async def quiz():
        await page.get_by_text("Check your understanding").click()
        await page.get_by_text("To have a reference for what normal behaviour looks like").click()

    async def one_defense():
        await page.get_by_role("link", name="5. Defend").first.click()
        await _run_strip(page)

    try:
        await step("join", join, "You are in class")
        await step("poison", lambda: page.get_by_role("link", name="Begin: 1. Poison the data").click(),
                   "What the attacker did")
        await step("train", train, "Training took")
        await step("quiz", quiz, "Right.")
        await step("trigger", lambda: page.get_by_role("link", name="3. Fire the trigger").first.click(),
                   "Every test image, with and without")
        await step("defend", one_defense, "As a monitor in front of the deployed model")
        await _settled(page)  # the defense's event is written in the run that shows its result
        if "Traceback" in await page.inner_text("body"):
            run.error = "a stack trace is shown on the page"
    except Exception as error:  # noqa: BLE001 - a failed session is a result to report, not a crash
        run.error = f"{run.current or 'start'}: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
        if shots is not None:
            with contextlib.suppress(Exception):
                await page.screenshot(path=str(shots / f"class-load-{number}-failed.png"), full_page=True)
    run.total = round(time.perf_counter() - start, 2)
    await context.close()
    return run


def niced_chromium(nice: int, folder: Path) -> Path:
    """A launcher for Chromium at niceness ``nice``, written into ``folder``.

    Playwright starts the browser in a session of its own, and Linux (with autogroup scheduling,
    the default) shares the CPU fairly between sessions before it looks at any process's
    niceness: a niced browser in its own session still takes half the cores from the server.
    The launcher lowers its session's own weight too (``/proc/self/autogroup``), then runs
    Chromium niced, so the server's work really comes first on the shared cores."""
    launcher = folder / "chromium-niced"
    launcher.write_text(f"#!/bin/sh\necho {int(nice)} > /proc/self/autogroup 2>/dev/null\n"
                        f"exec nice -n {int(nice)} {CHROMIUM} \"$@\"\n")
    launcher.chmod(0o755)
    return launcher


def own_device_sessions(sessions: int, count: int) -> list[int]:
    """The students (numbered 1 to ``sessions``) whose browser stands for a device of their own:
    ``count`` of them, spread evenly through the class's arrival order."""
    count = max(0, min(count, sessions))
    return [(2 * i + 1) * sessions // (2 * count) + 1 for i in range(count)]


async def _class_load(link: str, sessions: int, shots: Path | None, cookies: list[dict | None],
                      pacing: Pacing | None = None, viewport: tuple[int, int] = (1280, 2400),
                      chromium: Path | str = CHROMIUM, own: tuple[int, ...] = ()) -> list[SessionRun]:
    """Every student's walk in one browser (``chromium``), except those in ``own``: each of them
    gets a Chromium of its own, at normal priority, like a student's own laptop."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(chromium), args=FLAGS)
        apart = {n: await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS) for n in own}
        try:
            return list(await asyncio.gather(*(
                _class_walk(apart.get(n, browser), link, n, shots, cookies[n - 1],
                            student_pace(pacing, n) if pacing is not None else None, viewport)
                for n in range(1, sessions + 1))))
        finally:
            for each in (browser, *apart.values()):
                await each.close()


def _page_figures(runs: list[SessionRun], prefix: str = "") -> dict:
    """The median and slowest page (the defense, a job, left out) and the slowest of each step."""
    pages = sorted(v for r in runs for k, v in r.steps.items() if k != "defend")
    return {
        f"{prefix}median_page_response_seconds": pages[len(pages) // 2] if pages else None,
        f"{prefix}slowest_page_response_seconds": pages[-1] if pages else None,
        f"{prefix}slowest_step_seconds": {name: max((r.steps.get(name, 0.0) for r in runs), default=0.0)
                                          for name in CLASS_STEPS},
    }


def server_page_figures(runs: list[dict], skip: tuple[str, ...] = ("defend",)) -> dict:
    """The server's part of each page wait: its script runs as the server logged them
    (``ui/page_timing.py``), the pages in ``skip`` left out (the defense is a job, not a page,
    as in the browsers' figures). Runs a newer click cut short count too: the student waited."""
    pages = [r for r in runs if r["page"] not in skip]
    seconds = sorted(r["seconds"] for r in pages)
    slowest: dict[str, float] = {}
    for r in pages:
        slowest[r["page"]] = max(slowest.get(r["page"], 0.0), round(r["seconds"], 2))
    return {
        "server_page_runs": len(seconds),
        "server_page_runs_cut_short": sum(r["ended"] != "drawn" for r in pages),
        "server_median_page_seconds": round(seconds[len(seconds) // 2], 2) if seconds else None,
        "server_slowest_page_seconds": round(seconds[-1], 2) if seconds else None,
        "server_slowest_by_page_seconds": dict(sorted(slowest.items())),
    }


def class_load_test(link: str, db_url: str, class_id: int, pids: list[int], sessions: int = 24,
                    shots: Path | None = None, cookies: list[dict | None] | None = None,
                    pacing: Pacing = Pacing(), viewport: tuple[int, int] = (1280, 2400),
                    page_log: Path | None = None, browsers_nice: int = 0, own_devices: int = 0) -> dict:
    """``sessions`` students walk the class path at once through ``link``; the servers (``pids``)
    are watched for memory, and the class database is checked for every student's events.

    ``pacing``: when students arrive and how long they read (default: all at once, no reading).
    ``viewport``: each browser's window (width, height); the default is tall, to hold a page.
    ``page_log``: the servers' page log (``BACKDOOR_LAB_PAGE_TIMES``), read for the server's part.
    ``browsers_nice``: start the browsers at this niceness, so the server's work comes first on
    the shared cores, as when each student's browser runs on their own laptop.
    ``own_devices``: this many students (spread through the class) each get a browser of their own at
    normal priority, standing for a student's own laptop; their pages are also reported apart
    (``own_device_*``): what a student waits for, the server's part and their own drawing, while
    the rest of the class loads the server."""
    from backdoor.classroom import class_events
    from backdoor.classroom.db import open_database

    paced = pacing if pacing != Pacing() else None  # lockstep walks exactly as before
    watchers = [_PeakMemory(pid) for pid in pids]
    for w in watchers:
        w.start()
    server_cpu, machine_cpu = _cpu_seconds(pids), _machine_busy_seconds()
    start = time.perf_counter()
    own = own_device_sessions(sessions, own_devices)

    def walk() -> list[SessionRun]:
        with tempfile.TemporaryDirectory() as folder:
            chromium = niced_chromium(browsers_nice, Path(folder)) if browsers_nice else CHROMIUM
            return asyncio.run(_class_load(link, sessions, shots, cookies or [None] * sessions, paced, viewport,
                                           chromium, tuple(own)))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        runs = pool.submit(walk).result()
    wall = time.perf_counter() - start
    server_cpu, machine_cpu = _cpu_seconds(pids) - server_cpu, _machine_busy_seconds() - machine_cpu
    peaks = [w.stop() for w in watchers]
    db = open_database(db_url)
    try:
        events = class_events(db, class_id)
    finally:
        db.engine.dispose()
    kinds: dict[str, set[str]] = {}
    for e in events:
        kinds.setdefault(e.nickname, set()).add(e.kind)
    finished = [r for r in runs if r.error is None]
    missing = [f"student-{r.number}" for r in finished
               if not {"step", "trained", "quiz", "defense"} <= kinds.get(f"student-{r.number}", set())]
    apart = [r for r in runs if r.number in own]
    return {
        "sessions": sessions,
        "finished": len(finished),
        "errors": [f"session {r.number}: {r.error}" for r in runs if r.error],
        "students_missing_events": missing,
        "events_recorded": len(events),
        "wall_seconds": round(wall, 1),
        **_page_figures(runs),
        **({"own_device_sessions": own, **_page_figures(apart, "own_device_")} if own else {}),
        "median_defense_seconds": sorted(r.steps.get("defend", 0.0) for r in runs)[len(runs) // 2],
        "slowest_session_seconds": max(r.total for r in runs),
        "server_peak_memory_mb": [round(p) for p in peaks],
        # where the 2 cores went: the server(s), and everything else (the browsers, mostly)
        "server_cpu_seconds": round(server_cpu, 1),
        "other_cpu_seconds": round(max(0.0, machine_cpu - server_cpu), 1),
        **(server_page_figures(page_timing.read(page_log)) if page_log is not None and page_log.exists() else {}),
        "browsers_nice": browsers_nice,
        "pacing_arrive_within_seconds": pacing.arrive_within,
        "pacing_think_seconds": list(pacing.think),
        "pacing_seed": pacing.seed,
        "viewport": f"{viewport[0]}x{viewport[1]}",
    }


# --- mixed: different settings, so the queue decides who trains when ------------------------------

async def _mixed_walk(browser, url: str, number: int, rate_pct: float) -> SessionRun:
    """Open the Train page at a poison rate nobody else uses, press Train, and time the first
    sign of life (a progress bar or the place in line) and the finished training."""
    run = SessionRun(number)
    context = await browser.new_context(viewport={"width": 1280, "height": 2400})
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    start = time.perf_counter()
    try:
        await page.goto(f"{url}/train?poison.rate_pct={rate_pct}")
        button = page.get_by_role("button", name="Train both models")
        await button.wait_for()
        await _settled(page)
        t = time.perf_counter()
        await button.click()
        await page.locator('[data-testid="stProgress"]').or_(page.get_by_text("in line for the server")).first.wait_for()
        run.steps["feedback"] = round(time.perf_counter() - t, 2)
        await page.get_by_text("Training took").first.wait_for()
        run.steps["trained"] = round(time.perf_counter() - t, 2)
    except Exception as error:  # noqa: BLE001
        run.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    run.total = round(time.perf_counter() - start, 2)
    await context.close()
    return run


def mixed_load_test(server: Server, rates: list[float]) -> dict:
    """One session per poison rate, all pressing Train at about the same moment."""
    from playwright.async_api import async_playwright

    async def go():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                return list(await asyncio.gather(*(_mixed_walk(browser, server.url, n, r)
                                                   for n, r in enumerate(rates, start=1))))
            finally:
                await browser.close()

    memory = _PeakMemory(server.pid)
    memory.start()
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        runs = pool.submit(asyncio.run, go()).result()
    return {
        "sessions": len(rates),
        "finished": sum(r.error is None for r in runs),
        "errors": [f"session {r.number}: {r.error}" for r in runs if r.error],
        "wall_seconds": round(time.perf_counter() - start, 1),
        "slowest_feedback_seconds": max(r.steps.get("feedback", float("inf")) for r in runs),
        "training_done_seconds": sorted(r.steps.get("trained", float("inf")) for r in runs),
        "server_peak_memory_mb": round(memory.stop()),
    }
