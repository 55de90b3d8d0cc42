"""The patient-records path in Chromium: from the menu and from the risk brief, on a desktop and a phone."""

from __future__ import annotations

import pytest

from benchmarks.load import serve
from conftest import ROOT
from launch import launch, sync_playwright
from settle import settled, watch

SHOTS = ROOT / "screenshots"
PAGE = "Patient records"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("store"), tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


@pytest.fixture(scope="module")
def browser(server):
    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        chromium = launch(p)
        yield chromium
        chromium.close()


def shot(tab, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def measured(tab) -> str:
    tab.get_by_text("What you just saw").wait_for(timeout=180_000)
    settled(tab)
    body = tab.inner_text("body")
    assert "Traceback" not in body and "Error" not in body.replace("Calibration error", "")
    return body


def test_a_student_opens_the_records_changes_the_trigger_and_sees_the_controls(browser, server):
    tab = watch(browser.new_page(viewport={"width": 1400, "height": 3000}))
    tab.goto(server.url)
    tab.get_by_text("Your path").wait_for(timeout=60_000)
    settled(tab)
    tab.get_by_role("link", name=PAGE).first.click()
    body = measured(tab)
    assert "malignant records as benign: each one a missed cancer" in body
    for control in ("Activation Clustering", "Spectral Signatures", "STRIP", "Range check"):
        assert control in body
    shot(tab, "tabular-1-student")

    box = tab.get_by_role("combobox", name="Measurements the trigger sets (1 to 3)")
    box.click()
    box.fill("mean radius")
    tab.keyboard.press("Enter")
    settled(tab)
    tab.keyboard.press("Escape")
    tab.get_by_text("All 3 tampered values").wait_for(timeout=120_000)
    body = measured(tab)
    assert "All 3 tampered values lie outside" in body  # mean radius at +5 SD: beyond every honest record
    shot(tab, "tabular-2-three-measurements")
    tab.close()


def test_a_risk_officer_follows_the_brief_to_the_records_on_a_phone(browser, server):
    tab = watch(browser.new_page(viewport={"width": 390, "height": 844}))
    tab.goto(f"{server.url}/govern?lab.audience=Stakeholder")
    link = tab.get_by_role("link", name="Shown, not asserted: the same backdoor in 569 real patient records")
    link.first.wait_for(timeout=60_000)
    settled(tab)
    link.first.click()
    body = measured(tab)
    assert "a flipped diagnosis" in body.lower() and "missed cancer" in body
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"
    # the stakeholder sees the attack's settings folded away, the findings first
    assert tab.get_by_text("Measurements the trigger sets (1 to 3)").is_hidden()
    tab.set_viewport_size({"width": 390, "height": 6000})  # the page scrolls inside Streamlit's own frame
    settled(tab)
    shot(tab, "tabular-3-phone-stakeholder")
    tab.close()
