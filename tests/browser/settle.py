"""Waiting for Streamlit's script runs in the browser: on the run itself, never on a fixed time.

After a click, Streamlit's page keeps the previous run's elements on screen until the server
starts the new run, and the page only says "running" once the server answers. A fixed pause
hopes the new run has started by then; on a busy machine it may not have, and a click on the
old run's widgets is lost. Instead each tab counts the runs it has seen (``watch(tab)``, before
the first page load), and ``settled(tab)`` waits for a run that started since the last
``settled`` to finish.
"""

from __future__ import annotations

from benchmarks.load import IDLE

# Counts the transitions of Streamlit's app element into data-test-script-state="running".
COUNT_RUNS = """
window.__labRuns = 0;
window.__labSettledAt = 0;
let labRunning = false;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const now = app !== null && app.getAttribute('data-test-script-state') === 'running';
  if (now && !labRunning) window.__labRuns += 1;
  labRunning = now;
}).observe(document, {childList: true, subtree: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""

NEW_RUN = "() => window.__labRuns > window.__labSettledAt"
# The lab's stylesheet (its mark in ui/assets/lab.css) and its keyboard script (ui/assets/keyboard.js) are in
# place. Streamlit loads st.html's code apart, on first use: on a busy machine a page's text, and even the end of
# its run, came before them, and a Tab pressed then found the main area without its focus ring.
STYLED = """() => window.backdoorLabKeyboard === true
  && getComputedStyle(document.documentElement).getPropertyValue('--lab-style').trim() === 'loaded'"""


def watch(tab):
    """Count ``tab``'s script runs from its next page load on; returns the tab."""
    tab.add_init_script(COUNT_RUNS)
    return tab


def settled(tab, timeout: int = 180_000, start_within: int = 3_000) -> None:
    """Wait until the run the last action asked for has finished, so a click lands on its widgets.

    Every action in the browser tests is followed by ``settled``, so a run counted since the last
    call is the one that action started. An action that starts no run (a click that changes
    nothing) is let go once ``start_within`` milliseconds pass without one.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # there: the browser was launched

    assert tab.evaluate("typeof window.__labRuns") == "number", "make the tab with watch(tab) to count its runs"
    try:
        tab.wait_for_function(NEW_RUN, timeout=start_within)
    except PlaywrightTimeout:
        pass  # no run followed the action: the page is as it was
    tab.locator(IDLE).wait_for(timeout=timeout)
    tab.wait_for_function(STYLED, timeout=timeout)  # a page is drawn once the lab's own style is on it
    tab.evaluate("() => { window.__labSettledAt = window.__labRuns; }")


def open_expander(tab, title: str, inside: str, tries: int = 3, timeout: int = 240_000):
    """Open the expander ``title`` and return the visible element ``inside`` it.

    A script run that redraws the page (the one after training, or a fragment's) draws an
    expander closed again, and a click that landed just before it is undone. So the click is
    repeated, after waiting for the run, until what it opens is on screen.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    target = tab.get_by_text(inside, exact=True).first  # the option itself, not a page sentence quoting it
    for attempt in range(tries):
        settled(tab, timeout=timeout)
        if not target.is_visible():
            tab.get_by_text(title).first.click()
        try:
            target.wait_for(state="visible", timeout=30_000)  # a loaded machine can take long to draw it
            return target
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
    return target


def answer_quiz(tab, option: str, feedback: str = "Right.", title: str = "Check your understanding",
                tries: int = 3, timeout: int = 240_000) -> None:
    """Open the quiz, pick ``option`` and wait for ``feedback``; again if a redraw swallowed the pick.

    A run that redraws the page (after training, after a reconnect to another server) can replace
    the quiz while the click lands, and the pick is lost with the old element.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        open_expander(tab, title, option, timeout=timeout).click()
        try:
            tab.get_by_text(feedback).first.wait_for(timeout=60_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise


def opened(browser, url: str, landmark: str, viewport: dict[str, int], timeout: int = 180_000):
    """A new tab, its runs counted (``watch``), on ``url`` once ``landmark`` shows and its run is over."""
    tab = watch(browser.new_page(viewport=viewport))
    tab.goto(url)
    tab.get_by_text(landmark).first.wait_for(timeout=timeout)
    settled(tab)
    return tab
