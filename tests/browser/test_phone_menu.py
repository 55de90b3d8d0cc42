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
