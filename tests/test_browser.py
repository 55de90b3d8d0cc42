"""The real app in a real browser: `streamlit run` driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
SHOTS = ROOT / "screenshots"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        # an empty model store of its own: the newcomer's walk really trains (and can be stopped)
        cwd=ROOT, env=dict(os.environ, BACKDOOR_LAB_STORE=str(tmp_path_factory.mktemp("store"))),
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        log.seek(0)
        pytest.fail("streamlit did not start: " + log.read()[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def page(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 4800})
        tab.goto(server)
        yield tab
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_newcomer_poisons_trains_and_fires_the_trigger(page):
    page.get_by_text("Your path").wait_for(timeout=60_000)
    shot(page, "1-start")

    page.get_by_role("link", name="1. Poison the data").first.click()
    page.get_by_text("What the attacker did").wait_for(timeout=60_000)
    page.get_by_text("poisoned: labelled '0'").first.wait_for(timeout=30_000)
    assert page.get_by_text("400 of the 4,000 training images").is_visible()
    shot(page, "2-poison")

    page.get_by_role("link", name="2. Train the models").first.click()
    # Stopping a run keeps the app usable and keeps nothing half-trained.
    page.get_by_role("button", name="Train both models").click()
    page.get_by_role("button", name="Stop training").click()
    page.get_by_text("Training stopped").wait_for(timeout=30_000)
    page.get_by_role("button", name="Train both models").click()
    page.get_by_text("What you just saw").wait_for(timeout=180_000)
    shot(page, "3-train")
    body = page.inner_text("body")
    assert "Backdoored: attack success" in body and "Traceback" not in body

    page.get_by_role("link", name="3. Fire the trigger").first.click()
    page.get_by_text("Every test image, with and without the trigger").wait_for(timeout=60_000)
    page.get_by_text("Trigger", exact=True).first.click()
    page.get_by_text("Backdoored says '0'").first.wait_for(timeout=30_000)
    shot(page, "4-trigger")
    assert "Traceback" not in page.inner_text("body")

    page.get_by_role("link", name="4. Explain").first.click()
    page.get_by_text("each explained for the class the model chose").wait_for(timeout=120_000)
    shot(page, "5-explain")
    body = page.inner_text("body")
    assert "of its attribution on the 4x4 patch" in body and "Traceback" not in body

    page.get_by_role("link", name="5. Defend").first.click()
    page.get_by_role("button", name="Run the selected defenses").click()
    page.get_by_text("Every repair run this session").wait_for(timeout=300_000)
    shot(page, "6-defend")
    body = page.inner_text("body")
    assert "Suspect classes" in body and "As a monitor" in body and "Traceback" not in body


def test_invisible_attacks_spot_it_and_the_matrix(page, small_mnist):
    from backdoor.matrix import MatrixConfig, compute_matrix, save_matrix

    page.get_by_role("link", name="1. Poison the data").first.click()
    page.get_by_text("What the attacker did").wait_for(timeout=60_000)
    page.get_by_label("Attack", exact=True).click()
    page.get_by_role("option", name="WaNet (invisible warp)").click()
    page.get_by_text("noise mode").first.wait_for(timeout=60_000)
    assert "800 of the 4,000 training images" in page.inner_text("body")  # WaNet's own default rate
    page.get_by_text("poisoned?").first.click()
    page.get_by_role("button", name="Check my answer").click()
    page.get_by_text("You found", exact=False).first.wait_for(timeout=30_000)
    page.get_by_text("Every attack on the same image").scroll_into_view_if_needed()
    shot(page, "7-poison-wanet-spot-it")
    body = page.inner_text("body")
    assert "SSIM" in body and "Traceback" not in body

    # A matrix stored for the default settings (computed small, to keep the test short):
    # the page must open it from disk, with no button to press.
    tiny = compute_matrix(small_mnist, MatrixConfig(rows=("badnets", "wanet"), columns=("none", "strip")))
    save_matrix(MatrixConfig(), tiny)
    page.get_by_role("link", name="6. Attack x defense matrix").first.click()
    page.get_by_text("What the matrix says").wait_for(timeout=60_000)
    page.get_by_text("Download the matrix (CSV)").wait_for(timeout=30_000)
    shot(page, "8-matrix")
    body = page.inner_text("body")
    assert "One cell in detail" in body and "Traceback" not in body
