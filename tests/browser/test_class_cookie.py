"""A student's class survives an address typed by hand: this browser keeps it in a cookie
(written by the server once it knows the student: ui/class_cookie.py), and "Leave this class" forgets it."""

from __future__ import annotations

import pytest

from backdoor.classroom import create_class, database, join_link
from benchmarks.load import serve
from conftest import ROOT
from evidence import kept_on_failure
from launch import launch, require_chromium, sync_playwright
import settle

pytestmark = pytest.mark.browser
SHOTS = ROOT / "screenshots"
LONG = 180_000  # a fresh server's first run imports torch and builds the data set


def in_class(tab, code: str) -> bool:
    settle.settled(tab, timeout=LONG)
    return f"Class {code}, as Ada" in tab.locator('[data-testid="stSidebar"]').inner_text()


def test_a_typed_address_or_a_new_tab_keeps_the_student_in_the_class_until_they_leave(tmp_path):
    require_chromium()
    store = tmp_path / "store"
    store.mkdir()
    url = f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    info = create_class(database(url), "Tuesday workshop", "2468", "classic-patch", 0)
    tabs = {}
    with serve(store, tmp_path / "server.log", env={"BACKDOOR_LAB_DB": url}) as server, sync_playwright() as p, \
            kept_on_failure(tabs, SHOTS, tmp_path / "server.log"):
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 1600})
        tab = tabs["student"] = settle.watch(context.new_page())
        tab.set_default_timeout(LONG)
        tab.goto(join_link(server.url, info))
        tab.get_by_role("textbox", name="Nickname").fill("Ada")
        tab.get_by_role("button", name="Join").click()
        tab.get_by_text("You are in class").wait_for()
        assert in_class(tab, info.code)

        tab.goto(server.url + "/glossary")  # typed by hand: no class in the address
        assert in_class(tab, info.code) and "student=" in tab.url  # back in the address too
        other = tabs["new tab"] = settle.watch(context.new_page())
        other.set_default_timeout(LONG)
        other.goto(server.url)
        assert in_class(other, info.code)
        other.close()

        tab.goto(server.url + "/join")
        tab.get_by_role("button", name="Leave this class").click()
        tab.get_by_text("You left the class").wait_for()
        settle.settled(tab, timeout=LONG)
        tab.screenshot(path=str(SHOTS / "class-left.png"))
        assert "lab_class" not in {c["name"] for c in context.cookies()}
        tab.goto(server.url + "/glossary")
        assert not in_class(tab, info.code) and "student=" not in tab.url
        body = tab.inner_text("body")
        assert "Traceback" not in body
        browser.close()
