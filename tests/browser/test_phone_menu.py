"""The lab's menu on a phone (ui/assets/phone_menu.js): a tap on a page link closes the sidebar that
covers the page, as Streamlit's own page list does; on a desktop the sidebar stays where it is."""

from __future__ import annotations

import pytest

from benchmarks.load import serve
from launch import launch, sync_playwright
from settle import opened, settled

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SIDEBAR = '[data-testid="stSidebar"][data-collapsed="{}"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("store"), tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


def test_a_tap_on_a_page_in_the_phone_menu_closes_the_menu(server):
    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        browser = launch(p)
        tab = opened(browser, server.url, "Backdoor Lab", PHONE)
        tab.get_by_test_id("stExpandSidebarButton").click()
        tab.locator(SIDEBAR.format("false")).wait_for(timeout=30_000)
        tab.get_by_test_id("stSidebar").get_by_role("link", name="Glossary").click()
        # closed: Streamlit marks it collapsed and slides it off the screen (attached, not visible)
        tab.locator(SIDEBAR.format("true")).wait_for(state="attached", timeout=30_000)
        settled(tab)
        assert tab.url.endswith("/glossary")
        assert tab.locator(SIDEBAR.format("true")).count() == 1  # closed, over the page it opened

        desk = opened(browser, server.url, "Backdoor Lab", DESKTOP)
        desk.get_by_test_id("stSidebar").get_by_role("link", name="Glossary").click()
        desk.wait_for_url("**/glossary")
        settled(desk)
        assert desk.locator(SIDEBAR.format("false")).count() == 1  # a desktop keeps its menu open
        browser.close()


# Each menu entry's text, and the widest box that holds it, as the sidebar lays it out.
MENU_WIDTHS = """() => [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"] p')]
  .map(p => [p.innerText, Math.max(p.scrollWidth, p.parentElement.scrollWidth, p.parentElement.parentElement.scrollWidth),
             p.parentElement.parentElement.clientWidth])"""


@pytest.mark.parametrize("audience", ["Student", "Stakeholder", "Instructor"])
def test_every_menu_entry_fits_the_sidebar_uncut(server, audience):
    # A long title is cut off mid-word in the sidebar ("Patient records: a flipped diagnosi").
    with sync_playwright() as p:
        browser = launch(p)
        tab = opened(browser, f"{server.url}/?lab.audience={audience}", "Backdoor Lab", DESKTOP)
        tab.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink").first.wait_for(timeout=30_000)
        entries = tab.evaluate(MENU_WIDTHS)
        browser.close()
    assert len(entries) >= 9, entries
    cut = [(text, needs, has) for text, needs, has in entries if needs > has]
    assert not cut, f"cut off in the {audience}'s menu: {cut}"


# Each link between pages inside the page: its text, and the widest box that holds it.
PAGE_LINK_WIDTHS = MENU_WIDTHS.replace('[data-testid="stSidebar"]', '[data-testid="stMain"]')


@pytest.mark.parametrize("page, audience, landmark", [("govern", "Stakeholder", "Your sector: the rules"),
                                                      ("tabular", "Student", "Patient records: a tampered lab pattern")])
def test_a_long_link_inside_the_page_wraps_on_a_phone_instead_of_being_cut(server, page, audience, landmark):
    # Streamlit sets a page link on one line: "Shown, not asserted: the same backdoor in 569 real pa"
    with sync_playwright() as p:
        browser = launch(p)
        tab = opened(browser, f"{server.url}/{page}?lab.audience={audience}", landmark, PHONE)
        tab.get_by_test_id("stMain").get_by_test_id("stPageLink-NavLink").first.wait_for(timeout=60_000)
        settled(tab)
        links = tab.evaluate(PAGE_LINK_WIDTHS)
        browser.close()
    # the long one is there to be checked (about 30 characters fit on one line of a phone's page)
    assert any(len(text) > 45 for text, _, _ in links), links
    cut = [(text, needs, has) for text, needs, has in links if needs > has]
    assert not cut, f"cut off on the {page} page: {cut}"
