"""Instant mode in the real browser: on a store with a (tiny) warmed grid, moving the poison-rate
slider redraws the stored figures of the other rate, with no Train click, and the panel passes
axe-core at desktop and phone sizes."""

from __future__ import annotations

import os
import shutil

import pytest

from benchmarks.load import serve
from conftest import ROOT
from launch import launch, sync_playwright
from settle import settled, watch
from test_accessibility import SIZES, resized, violations

pytestmark = [pytest.mark.browser, pytest.mark.trains]
SHOTS = ROOT / "screenshots"
RATES = (0.05, 0.1)  # the default settings' 10% is in the shared warmed store: only 5% trains here


@pytest.fixture(scope="module")
def instant_store(warm_store, tmp_path_factory):
    """A copy of the shared warmed store (others must not see a grid) with BadNets at 5% and 10% on
    the grid; returns the store and each rate's stored figures."""
    from backdoor.datasets import load_dataset
    from backdoor.grid import GridSpec, lookup, warm_grid, with_rate
    from backdoor.scenario import Scenario

    store = tmp_path_factory.mktemp("instant") / "models"
    shutil.copytree(warm_store, store)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BACKDOOR_LAB_STORE", str(store))
        spec = GridSpec(attacks=("badnets",), rates=RATES, sizes=(), positions=())
        warm_grid(load_dataset("mnist-5k"), Scenario(), spec, on_message=lambda _: None)
        figures = {rate: lookup(with_rate(Scenario(), rate)) for rate in RATES}
    assert os.environ.get("BACKDOOR_LAB_STORE") != str(store)
    return store, figures


@pytest.fixture(scope="module")
def server(instant_store, tmp_path_factory):
    with serve(instant_store[0], tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


def metric(tab, label: str):
    """A number of the page's own (a metric, by its label)."""
    return tab.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def card(tab, key: str):
    """A number of the instant panel's (a card, by its key in ui.instant.LABELS)."""
    return tab.locator(f'[data-figure="{key}"] .lab-card-value')


def no_serious_violation(tab, axe, where: str) -> None:
    """axe-core on the page as it is, at desktop and phone sizes (tests/browser/test_accessibility.py)."""
    for size, viewport in SIZES.items():
        resized(tab, viewport)
        assert not violations(tab, axe), (where, size)
        tab.screenshot(path=str(SHOTS / f"instant-{where}-{size}.png"), full_page=True)
    resized(tab, SIZES["desktop"])


def test_moving_the_slider_shows_the_other_rates_stored_figures(server, instant_store):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect
    from ui.instant import TITLE

    _, figures = instant_store
    axe = Axe()
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        tab = watch(browser.new_page(viewport=SIZES["desktop"]))
        tab.goto(f"{server.url}/poison")  # the panel is open on the Poison page
        settled(tab, timeout=240_000)
        expect(card(tab, "bd_asr")).to_have_text(f"{figures[0.1].backdoored.asr:.1%}")
        expect(card(tab, "poisoned")).to_have_text("400")

        slider = tab.locator('[data-testid="stSlider"]').filter(has_text="Poison rate (pre-trained models)")
        slider.get_by_role("slider").focus()
        tab.keyboard.press("ArrowLeft")  # 10% -> 5%, the grid's next rate down
        settled(tab, timeout=60_000)
        expect(card(tab, "poisoned")).to_have_text("200")
        expect(card(tab, "bd_asr")).to_have_text(f"{figures[0.05].backdoored.asr:.1%}")
        expect(card(tab, "bd_acc")).to_have_text(f"{figures[0.05].backdoored.clean_acc:.1%}")
        expect(metric(tab, "Poisoned images")).to_have_text("400")  # the page's own setting is still 10%
        no_serious_violation(tab, axe, "poison")

        tab.get_by_role("button", name="Use this setting on every page").click()
        settled(tab, timeout=120_000)
        expect(metric(tab, "Poisoned images")).to_have_text("200")  # now the page's setting too

        tab.goto(f"{server.url}/train?poison.rate_pct=5.0")  # the grid stored 5%'s models: nothing to train
        settled(tab, timeout=240_000)
        expect(metric(tab, "Backdoored: attack success")).to_have_text(f"{figures[0.05].backdoored.asr:.1%}")
        assert tab.get_by_role("button", name="Train both models").count() == 0
        tab.get_by_text(TITLE).click()  # folded away once the page's own models are there
        expect(card(tab, "bd_asr")).to_have_text(f"{figures[0.05].backdoored.asr:.1%}")  # the same figures
        no_serious_violation(tab, axe, "train")
        browser.close()
