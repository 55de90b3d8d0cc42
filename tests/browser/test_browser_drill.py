"""The stakeholder path in Chromium: the incident drill on a phone (serve, see the alert, roll back, read the
timeline), and a risk officer's whole walk through the numbered menu to the board brief, printed to PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.load import serve
from conftest import ROOT
from launch import launch, sync_playwright
from settle import settled, watch

SHOTS = ROOT / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.trains]


@pytest.fixture(scope="module")
def server(warm_store, tmp_path_factory):
    """A server whose model store already holds the default scenario's models and matrix (conftest.py)."""
    with serve(warm_store, tmp_path_factory.mktemp("server") / "streamlit.log") as running:
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


def _pdf_pages(browser, html: str, name: str) -> int:
    """How many A4 pages Chromium prints ``html`` on (the PDF and a picture of it kept in screenshots/)."""
    page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    page.set_content(html)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (SHOTS / f"{name}.pdf").write_bytes(pdf)
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.close()
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_a_risk_officer_walks_the_numbered_path_to_a_board_brief_that_prints_on_two_pages(server):
    def go(label: str) -> str:
        tab.get_by_role("link", name=label, exact=True).first.click()
        tab.get_by_role("heading", name=label).first.wait_for(timeout=180_000)
        settled(tab)
        body = tab.inner_text("body")
        assert "Scenario: Classic patch (digits)" in body and "Traceback" not in body, label
        return body

    def shot(name: str) -> None:
        tab.set_viewport_size({"width": 1280, "height": 5200})  # the page scrolls inside Streamlit's own frame
        settled(tab)
        tab.screenshot(path=str(SHOTS / f"stakeholder-{name}.png"), full_page=True)
        tab.set_viewport_size({"width": 1280, "height": 900})

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        tab = watch(browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True))
        tab.set_default_timeout(120_000)
        tab.goto(f"{server.url}/?lab.audience=Stakeholder")
        tab.get_by_text("For decision makers").wait_for(timeout=180_000)
        settled(tab)
        # the sidebar's menu can draw after the page's own text: wait for its first and last entries
        for entry in ("1. What a backdoor is", "8. The board brief"):
            tab.get_by_role("link", name=entry, exact=True).first.wait_for(timeout=60_000)
        menu = tab.get_by_test_id("stSidebarNav").or_(tab.get_by_test_id("stSidebar")).first.inner_text()
        numbers = [int(n) for n in re.findall(r"^(\d)\. ", menu, re.M)]
        assert numbers == list(range(1, 9)), menu
        shot("1-start")
        assert "loaded from the model store" in go("2. Watch a backdoor planted")  # warmed: nothing trains
        body = go("4. Which defenses work")
        assert "Classic patch (digits)" in body and "Faint blend" in body  # the scenario names, not the papers'
        shot("4-matrix")
        body = go("6. Controls, owners and rules")
        assert "What to do, from this evidence" in body and "Do not rely on accuracy testing" in body
        assert "Owner: " in body and "NIST AI RMF" in body
        tab.get_by_text("Healthcare", exact=True).first.click()  # the sector picker
        settled(tab)
        tab.get_by_text("Regulation (EU) 2017/745").first.wait_for()
        shot("6-controls")

        go("7. Incident drill: rollback")
        for _ in range(10):
            tab.get_by_role("button", name="Serve the next 20 requests").click()
            settled(tab)
            if "ALERT at request" in tab.inner_text("body"):
                break
        tab.get_by_role("button", name="Roll back to v1").click()
        settled(tab)
        tab.get_by_role("button", name="Serve to the end").click()
        tab.get_by_text("The incident timeline").wait_for()
        settled(tab)
        shot("7-drill")

        go("8. The board brief")
        with tab.expect_download() as got:
            tab.get_by_role("button", name="Download the board brief (HTML, two A4 pages)").click()
        brief = Path(got.value.path()).read_text()
        assert got.value.suggested_filename == "board-brief-healthcare.html"  # the sector chosen on page 6
        assert "Healthcare" in brief and "In the incident drill: The attack began at request" in brief
        assert "the rollback at request" in brief and "First, " in brief and "Keep as evidence" in brief
        assert _pdf_pages(browser, brief, "stakeholder-brief") <= 2
        tab.get_by_role("button", name="Prepare the session report").click()
        settled(tab)
        with tab.expect_download() as got:
            tab.get_by_role("button", name="Download the report (HTML)").click()
        report = Path(got.value.path()).read_text()
        assert report.index("<h2>Conclusion</h2>") < report.index("<h2>Configuration</h2>")
        shot("8-brief")

        tab.set_viewport_size({"width": 390, "height": 844})  # the same controls on a phone
        tab.goto(f"{server.url}/govern?lab.audience=Stakeholder")
        tab.get_by_text("What to do, from this evidence").wait_for(timeout=120_000)
        settled(tab)
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"
        tab.set_viewport_size({"width": 390, "height": 7000})
        settled(tab)
        tab.screenshot(path=str(SHOTS / "stakeholder-6-controls-phone.png"), full_page=True)
        browser.close()
