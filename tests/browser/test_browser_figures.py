"""One model, one set of figures, and nothing leaves the machine: a walk in the real browser.

The same backdoored model must show the same clean accuracy and attack success rate on the
Train, Trigger and Defend pages, in the matrix and in the downloaded report. Every request the
browser makes, on every page, must go to the app's own host.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from benchmarks.load import serve
from conftest import ROOT
from launch import launch, sync_playwright
import settle
from settle import watch

pytestmark = pytest.mark.browser
SHOTS = ROOT / "screenshots"
PAGES = ["1. Poison the data", "2. Train the models", "3. Fire the trigger", "4. Explain", "5. Defend",
         "6. Attack x defense matrix", "7. Govern: risk brief", "Audit a model file", "Mystery models", "Glossary",
         "Start here"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def server(store, tmp_path_factory):
    with serve(store, tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


@pytest.fixture(scope="module")
def requests() -> list[str]:
    """Every URL the browser asks for, on every page."""
    return []


@pytest.fixture(scope="module")
def tab(server, requests):

    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1400, "height": 3000}, accept_downloads=True)
        context.on("request", lambda request: requests.append(request.url))
        page = watch(context.new_page())
        page.goto(server.url)
        yield page
        browser.close()


def settled(tab) -> None:
    settle.settled(tab, timeout=240_000)


def open_page(tab, link: str, landmark: str) -> None:
    tab.get_by_role("link", name=link).first.click()
    tab.get_by_text(landmark).first.wait_for(timeout=240_000)
    settled(tab)


def metrics(tab) -> dict[str, str]:
    """Every st.metric on the page: label -> value as shown."""
    found = {}
    for element in tab.locator('[data-testid="stMetric"]').all():
        label = element.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        found[label] = element.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return found


def test_the_same_model_shows_the_same_figures_everywhere_and_nothing_leaves_the_machine(
        tab, server, store, requests, tmp_path, monkeypatch):
    from backdoor.datasets import load_dataset
    from backdoor.matrix import MatrixConfig, compute_matrix, save_matrix

    tab.get_by_text("Your path").wait_for(timeout=60_000)
    # Step 2: train (or reuse) the default models; the headline figures.
    open_page(tab, "2. Train the models", "Train both models")  # the page's own (the menu names every page)
    tab.get_by_role("button", name="Train both models").click()
    tab.get_by_text("Training took").wait_for(timeout=240_000)
    settled(tab)
    train = metrics(tab)
    clean, asr = train["Backdoored: clean accuracy"], train["Backdoored: attack success"]
    assert re.fullmatch(r"\d+\.\d%", clean) and re.fullmatch(r"\d+\.\d%", asr)

    open_page(tab, "3. Fire the trigger", "Every test image, with and without the trigger")
    trigger = metrics(tab)
    assert (trigger["Backdoored: clean accuracy"], trigger["Backdoored: attack success"]) == (clean, asr)

    open_page(tab, "5. Defend", "Run the selected defenses")
    defend = metrics(tab)
    assert (defend["Before any defense: clean accuracy"], defend["Before any defense: attack success"]) == (clean, asr)
    tab.get_by_role("button", name="Prepare the session report").click()
    tab.get_by_role("button", name="Download the report (HTML)").wait_for(timeout=120_000)
    settled(tab)
    with tab.expect_download() as download:
        tab.get_by_role("button", name="Download the report (HTML)").click()
    report = tmp_path / "report.html"
    download.value.save_as(report)
    assert f"<tr><td>backdoored model</td><td>{clean}</td><td>{asr}</td></tr>" in report.read_text()

    # The matrix's BadNets row is the same model (it comes from the same model store); computed
    # here for one row and one column beside "no defense", to keep the test short.
    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(store))  # the server's store, where step 2 kept the models
    dataset = load_dataset("mnist-5k", seed=0)
    save_matrix(MatrixConfig(), compute_matrix(dataset, MatrixConfig(rows=("badnets",), columns=("none", "strip"))))
    open_page(tab, "6. Attack x defense matrix", "One cell in detail")
    cell = metrics(tab)  # the first cell: BadNets, no defense
    assert (cell["Clean accuracy after"], cell["Attack success after"]) == (clean, asr)
    tab.get_by_text("One cell in detail").scroll_into_view_if_needed()
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / "figures-matrix.png"), full_page=True)

    # Every page, as every audience would open it: no request ever leaves the app's own host.
    for link in PAGES:
        tab.get_by_role("link", name=link).first.click()
        settled(tab)
    own = urlsplit(server.url).netloc
    elsewhere = sorted({url for url in requests if urlsplit(url).netloc not in (own, "")})
    assert not elsewhere, elsewhere
    assert len(requests) > 20  # the recorder did record the walk
