"""A shared link is the first request a fresh server gets, and it still renders through app.py.

Issue 21: before app.py had run once, Streamlit served ``/train`` as an old-style pages/-folder
app: the page ran alone (a KeyError for the shared settings, a traceback) under a menu of raw
file names. Each case starts its own server and opens a page URL as its very first request (and
another page in a second tab), then restarts the server under both open tabs. A watcher installed
before each page loads records whether a file-name menu or an exception box ever appeared, even
for a moment.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from benchmarks.load import IDLE, serve
from launch import launch, require_chromium, sync_playwright

pytestmark = pytest.mark.browser

# Whether Streamlit's own page menu or its exception box ever appeared; how many script runs started.
WATCH = """
window.__seen = {nav: false, error: false, runs: 0};
let running = false;
new MutationObserver(() => {
  if (document.querySelector('[data-testid="stSidebarNav"]')) window.__seen.nav = true;
  if (document.querySelector('[data-testid="stException"]')) window.__seen.error = true;
  const app = document.querySelector('[data-testid="stApp"]');
  const now = app !== null && app.getAttribute('data-test-script-state') === 'running';
  if (now && !running) window.__seen.runs += 1;
  running = now;
}).observe(document, {childList: true, subtree: true, attributes: true});
"""
CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
SIDEBAR_MS = 30_000
LOAD_MS = 180_000  # the first run imports torch and builds the data set; the test machine may be busy


def check_page(tab, title: str) -> None:
    """The page's own title, drawn by the router (audience menu in the sidebar), and never an error."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # there: the browser was launched

    tab.locator("h1").filter(has_text=title).first.wait_for(timeout=LOAD_MS)
    tab.locator(IDLE).wait_for(timeout=LOAD_MS)  # the run that drew it has finished
    menu = tab.locator('[data-testid="stSidebar"]').get_by_text("Who is using the lab?")
    try:  # drawn in the same run as the title, but the browser may paint the sidebar a moment later
        menu.wait_for(state="visible", timeout=SIDEBAR_MS)
    except PlaywrightTimeout:
        sidebar = tab.evaluate("""() => { const s = document.querySelector('[data-testid="stSidebar"]');
            return s && {expanded: s.getAttribute('aria-expanded'), box: s.getBoundingClientRect().toJSON(),
                         text: s.innerText.slice(0, 200)}; }""")
        pytest.fail(f"no audience menu in the sidebar of {tab.url}: sidebar {sidebar}")
    body = tab.inner_text("body")
    for text in ("Traceback", "KeyError", "session_state has no key"):
        assert text not in body, f"{text!r} on {tab.url}"
    seen = tab.evaluate("window.__seen")
    assert not seen["nav"], f"Streamlit's menu of file names appeared on {tab.url}"
    assert not seen["error"], f"an exception box appeared on {tab.url}"


def rerun_here(tab) -> int:
    """Click the sidebar's link to the page the tab shows (a rerun of it); the run count before."""
    runs = tab.evaluate("window.__seen.runs")
    name = urlsplit(tab.url).path.rsplit("/", 1)[-1]
    # page links are relative, and carry the URL's query (ui.url_state.link)
    tab.locator(f'[data-testid="stSidebar"] a[href="{name}"], [data-testid="stSidebar"] a[href^="{name}?"]').first.click()
    return runs


# (URL, its title): the first opens a fresh server; the second is opened next, in another tab.
CASES = [
    (("/train?class=ABC&seed=3", "2. Train the models"), ("/matrix", "6. Every attack against every defense")),
    (("/defend", "5. Defend"), ("/govern?audience=Stakeholder", "7. Govern: the risk brief")),
]


@pytest.mark.parametrize("first, second", CASES, ids=["train", "defend"])
def test_page_urls_open_first_on_a_fresh_server_and_after_a_restart(tmp_path, first, second):
    require_chromium()
    store = tmp_path / "store"
    store.mkdir()
    with sync_playwright() as p:
        browser = launch(p)
        tabs = [browser.new_page(viewport={"width": 1400, "height": 1000}) for _ in (first, second)]
        with serve(store, tmp_path / "first.log") as server:
            for tab, (path, title) in zip(tabs, (first, second)):
                tab.add_init_script(WATCH)
                tab.goto(server.url + path)  # for the first tab, the server's very first request
                check_page(tab, title)
                assert urlsplit(tab.url).query == urlsplit(path).query  # class links keep their parameters
            port = urlsplit(server.url).port
        # Both tabs stay open while the server is down, and reconnect to the fresh process on their
        # own, keeping what they showed. The students' next clicks are that process's first runs,
        # both at once (each session must find its way to app.py, not just the first one).
        for tab in tabs:
            tab.wait_for_function("""() => !document.querySelector('[data-test-connection-state="CONNECTED"]')""")
        with serve(store, tmp_path / "restarted.log", port=port):
            for tab in tabs:
                tab.locator(CONNECTED).wait_for(timeout=LOAD_MS)
            runs_before = [rerun_here(tab) for tab in tabs]
            for tab, runs, (_, title) in zip(tabs, runs_before, (first, second)):
                tab.wait_for_function(f"window.__seen.runs > {runs}", timeout=LOAD_MS)
                check_page(tab, title)
        browser.close()


def test_start_typed_by_hand_opens_the_start_page_with_the_links_settings(warm_server):
    """The Start page lives at the root; /start, the address a newcomer types, used to show Streamlit's
    "Page not found" before it. Now it opens the Start page at the root, keeping the link's settings."""
    require_chromium()
    with sync_playwright() as p:
        browser = launch(p)
        tab = browser.new_page(viewport={"width": 390, "height": 900})
        tab.add_init_script(WATCH)
        tab.goto(warm_server.url + "/start?lab.audience=Stakeholder")
        check_page(tab, "Backdoor Lab")
        assert urlsplit(tab.url).path == "/" and urlsplit(tab.url).query == "lab.audience=Stakeholder"
        assert tab.get_by_text("Page not found").count() == 0
        assert tab.locator('[data-testid="stSidebar"]').get_by_text("Controls, owners and rules").count()  # her menu
        browser.close()


def test_a_page_typed_with_capitals_opens_that_page_with_the_links_settings(warm_server):
    """Streamlit matches an address letter for letter: /Poison, read off a slide, showed "Page not found" and the
    Start page. Each page answers to its name capitalised and in capitals too, and lands on its own address."""
    require_chromium()
    with sync_playwright() as p:
        browser = launch(p)
        tab = browser.new_page(viewport={"width": 390, "height": 900})
        tab.add_init_script(WATCH)
        for typed, title, path in (("/Poison?lab.seed=3", "1. Poison the data", "/poison"),
                                   ("/GLOSSARY?lab.seed=3", "Glossary", "/glossary")):
            tab.goto(warm_server.url + typed)
            check_page(tab, title)
            assert urlsplit(tab.url).path == path and urlsplit(tab.url).query == "lab.seed=3"
            assert tab.get_by_text("Page not found").count() == 0
        browser.close()
