"""The incident drill in Chromium, as a risk officer on a phone: serve, see the alert, roll back, read the timeline."""

from __future__ import annotations

import pytest

from benchmarks.load import serve
from conftest import ROOT
from launch import launch, sync_playwright
from settle import settled, watch

SHOTS = ROOT / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.trains]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server whose model store already holds the default scenario's two models (trained here first)."""
    from backdoor.datasets import load_dataset
    from backdoor.scenario import Scenario
    from backdoor.store import load_or_train

    store = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BACKDOOR_LAB_STORE", str(store))
        digits = load_dataset("mnist-5k")
        for kind in ("backdoored", "baseline"):
            load_or_train(digits, Scenario(), kind)
    with serve(store, tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


def test_a_risk_officer_runs_the_drill_and_rolls_back_on_a_phone(server):
    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        browser = launch(p)
        tab = watch(browser.new_page(viewport={"width": 390, "height": 844}))
        tab.goto(f"{server.url}/drill?lab.audience=Stakeholder")
        tab.get_by_text("The model registry").wait_for(timeout=180_000)
        settled(tab)
        for _ in range(10):  # 20 requests a click until the monitor alerts
            tab.get_by_role("button", name="Serve the next 20 requests").click()
            settled(tab)
            if "ALERT at request" in tab.inner_text("body"):
                break
        assert "ALERT at request" in tab.inner_text("body")
        tab.get_by_role("button", name="Roll back to v1").click()
        settled(tab)
        tab.get_by_role("button", name="Serve to the end").click()
        tab.get_by_text("The incident timeline").wait_for(timeout=60_000)
        settled(tab)
        body = tab.inner_text("body")
        assert "the rollback at request" in body and "The playbook" in body and "Traceback" not in body
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"
        tab.set_viewport_size({"width": 390, "height": 4000})  # the page scrolls inside Streamlit's own frame
        settled(tab)
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / "drill-phone-stakeholder.png"), full_page=True)
        browser.close()
