"""Instant mode: how long `make warm`'s grid takes and what it weighs, and slider -> figures in Chromium.

``warm_figures(store)`` warms the whole grid (``backdoor.grid.GRID``) into ``store`` and reports its
seconds, models and disk use. ``slider_latency(store)`` serves the app on that store and, in headless
Chromium, moves the instant panel's poison-rate slider one step at a time with the keyboard: each
step is timed from the key press until the poisoned images, clean accuracy and attack success on
screen are the new rate's stored figures (polled every animation frame: ``figures``), and until the
panel's run is over, its curves and pictures sent too (``run_over``). Timing starts once the fresh
server's start-up warm-up has gone quiet, as on a server that has been up a while.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from benchmarks.load import CHROMIUM, FLAGS, IDLE, serve

MOVES = 40  # slider steps timed per page


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def warm_figures(store: Path) -> dict:
    """The whole grid into ``store`` (kept: the latency run below uses it)."""
    from backdoor.grid import GRID
    from backdoor.prepare import prepare_grid
    from backdoor.scenario import Scenario

    os.environ["BACKDOOR_LAB_STORE"] = str(store)
    try:
        start = time.perf_counter()
        warmed = prepare_grid(Scenario(), GRID, "cpu", on_message=lambda _: None)
        seconds = time.perf_counter() - start
    finally:
        del os.environ["BACKDOOR_LAB_STORE"]
    return {"grid_points": warmed.points, "models_trained": warmed.trained, "warm_seconds": round(seconds, 1),
            "models_in_store": len(list(store.glob("*.pt"))), "store_mb": round(disk_mb(store), 2)}


def _expected(store: Path) -> dict[float, list[list[str]]]:
    """The BadNets rates on the grid (as the slider shows them) -> the figures each should show."""
    from backdoor.datasets import load_dataset
    from backdoor.grid import lookup, rate_percent, stored_rates, with_rate
    from backdoor.scenario import Scenario

    os.environ["BACKDOOR_LAB_STORE"] = str(store)
    try:
        rates = stored_rates(load_dataset("mnist-5k"), Scenario())
        shown = {}
        for rate in rates:
            figures = lookup(with_rate(Scenario(), rate))
            shown[rate_percent(rate)] = [["poisoned", f"{figures.poisoned_images:,}"],
                                         ["bd_asr", f"{figures.backdoored.asr:.1%}"],
                                         ["bd_acc", f"{figures.backdoored.clean_acc:.1%}"]]
        return shown
    finally:
        del os.environ["BACKDOOR_LAB_STORE"]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def wait_quiet(pid: int, cores: float = 0.2, window: float = 2.0, limit: float = 240.0) -> float:
    """Wait until the server uses under ``cores`` of CPU over ``window`` seconds (its start-up warm-up,
    which times training steps in the background, is over), at most ``limit`` seconds; returns the wait."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        before = cpu_seconds(pid)
        time.sleep(window)
        if cpu_seconds(pid) - before < cores * window:
            break
    return time.perf_counter() - start


def percentiles(times: list[float], name: str) -> dict:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    return {f"{name}_p50_ms": round(statistics.median(times), 1), f"{name}_p95_ms": round(p95, 1),
            f"{name}_max_ms": round(times[-1], 1)}


WAIT_FOR = """(wanted) => wanted.every(([key, text]) => {
  const value = document.querySelector(`[data-figure="${key}"] .lab-card-value`);
  return value !== null && value.innerText.trim() === text;
})"""


def slider_latency(store: Path, pages: tuple[str, ...] = ("poison", "train")) -> dict:
    """Milliseconds from a slider key press to the new rate's figures on screen, per page."""
    from playwright.sync_api import sync_playwright
    from ui.instant import TITLE

    expected = _expected(store)
    rates = sorted(expected)
    figures: dict = {"grid_rates_badnets": len(rates)}
    with serve(store) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for page in pages:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.goto(f"{server.url}/{page}")
            tab.wait_for_selector(IDLE, timeout=240_000)
            if page == "train":  # the Train page folds the panel away once its own models are there
                tab.get_by_text(TITLE).click()
            tab.wait_for_function(WAIT_FOR, arg=expected[10.0], timeout=240_000)
            tab.wait_for_selector(IDLE, timeout=240_000)  # the page's first run, below the panel too, is over
            figures[f"{page}_quiet_wait_s"] = round(wait_quiet(server.pid), 1)  # the first run starts the warm-up
            thumb = tab.locator('[data-testid="stSlider"]').filter(
                has_text="Poison rate (pre-trained models)").get_by_role("slider")
            thumb.focus()
            at, step, shown, done = rates.index(10.0), -1, [], []
            for _ in range(MOVES):
                if not 0 <= at + step < len(rates):
                    step = -step  # walk the slider back and forth across the grid
                at += step
                start = time.perf_counter()
                tab.keyboard.press("ArrowLeft" if step < 0 else "ArrowRight")
                tab.wait_for_function(WAIT_FOR, arg=expected[rates[at]], polling="raf", timeout=30_000)
                shown.append(1000 * (time.perf_counter() - start))
                tab.wait_for_selector(IDLE)  # the panel's run is over: curves and pictures sent too
                done.append(1000 * (time.perf_counter() - start))
            figures.update(percentiles(shown, f"{page}_figures"))
            figures.update(percentiles(done, f"{page}_run_over"))
            tab.close()
        browser.close()
    return figures
