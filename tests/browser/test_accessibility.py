"""axe-core on every page, with trained models on screen, at desktop and phone sizes and down to each page's
foot: no serious or critical WCAG 2.1 AA violation (https://github.com/dequelabs/axe-core, bundled offline by
axe-playwright-python)."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from launch import launch, sync_playwright
from settle import settled, watch

pytestmark = [pytest.mark.browser, pytest.mark.trains]

SHOTS = ROOT / "screenshots"
PAGES = ["", "poison", "train", "trigger", "explain", "defend", "matrix", "govern", "tabular", "drill", "audit",
         "mystery", "redblue", "classroom", "glossary", "join", "brief"]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}
# axe checks contrast only on text inside the scroll area's view: below the fold it is checked screen by screen
CONTRAST = {"runOnly": {"type": "rule", "values": ["color-contrast"]}, "resultTypes": ["violations"]}


def serious(results: dict) -> list[str]:
    """Each serious or critical violation as one line: rule, impact, how many elements, the first one."""
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements), e.g. {v['nodes'][0]['target']}: "
            f"{v['nodes'][0].get('failureSummary', '')[:160]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


# Streamlit fades an element left from the previous run (a fragment's redraw too) until the new run
# draws it again; faded text fails the contrast rule, but it is a state on its way out.
NO_STALE = """() => document.querySelectorAll('[data-stale="true"]').length === 0"""


def unfaded(tab, timeout: int = 60_000) -> None:
    """Wait until no element is faded as stale, and for the fade back to full colour (a transition).
    One still faded after ``timeout`` is left for axe to count: then a reader sees it faded too."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # there: the browser was launched

    try:
        tab.wait_for_function(NO_STALE, timeout=timeout)
    except PlaywrightTimeout:
        return
    tab.wait_for_timeout(600)


def drawn(tab) -> None:
    """Two frames: the layout of what just moved (a scroll, a resize), then its paint."""
    tab.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def scrolled_contrast(tab, axe) -> list[str]:
    """Contrast failures on each screen of the page, scrolled one view at a time (a caption's faded code
    failed only when a run happened to have it in view), then back to the top."""
    main = '[data-testid="stMain"]'
    height, view = tab.evaluate(f"() => [document.querySelector('{main}').scrollHeight, "
                                f"document.querySelector('{main}').clientHeight]")
    found: dict[str, str] = {}  # each failure once, with the first place it showed
    for top in range(view - 100, height, max(view - 100, 200)):
        tab.evaluate(f"() => document.querySelector('{main}').scrollTo(0, {top})")
        drawn(tab)
        for line in serious(axe.run(tab, options=CONTRAST).response):
            found.setdefault(line, f"{line} (scrolled to {top} px)")
    tab.evaluate(f"() => document.querySelector('{main}').scrollTo(0, 0)")
    return list(found.values())


def violations(tab, axe) -> list[str]:
    """The page's serious violations once nothing is faded as stale (the first screen with every rule, the
    screens below it for contrast); a second look after a pause, so a state on its way out (a spinner) is not
    counted."""
    def look() -> list[str]:
        unfaded(tab)
        return serious(axe.run(tab, options=WCAG_AA).response) + scrolled_contrast(tab, axe)

    if found := look():
        tab.wait_for_timeout(2_000)
        settled(tab, timeout=240_000)
        found = look()
    return found


def resized(tab, viewport: dict[str, int]) -> None:
    """Turn the open page into a phone's (or a desktop's) and wait until the layout has followed."""
    tab.set_viewport_size(viewport)
    tab.wait_for_function(f"() => document.documentElement.clientWidth === {viewport['width']}")
    drawn(tab)  # the resize's layout, then its paint
    tab.wait_for_timeout(500)  # charts redraw at the new width


def test_every_page_has_no_serious_accessibility_violation_on_a_desktop_and_a_phone(warm_server):
    """Each page is opened once and checked at both sizes: drawn on a desktop, then narrowed to a phone
    (the layout is the browser's: no page asks the server for the screen's width)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found: dict[str, dict[str, list[str]]] = {size: {} for size in SIZES}
    with sync_playwright() as p:
        browser = launch(p)
        for page in PAGES:  # a stakeholder's pages are these, in other words
            tab = watch(browser.new_page(viewport=SIZES["desktop"]))
            tab.goto(f"{warm_server.url}/{page}")
            tab.locator('[data-testid="stMain"]').wait_for(timeout=120_000)
            settled(tab, timeout=240_000)
            tab.wait_for_timeout(500)  # charts draw once the run is over
            for size, viewport in SIZES.items():
                if size != "desktop":
                    resized(tab, viewport)
                if lines := violations(tab, axe):
                    found[size][f"/{page}"] = lines
            tab.close()
        browser.close()
    SHOTS.mkdir(exist_ok=True)
    for size, where in found.items():
        (SHOTS / f"axe-{size}.json").write_text(json.dumps(where, indent=1))
    assert not any(found.values()), "\n".join(f"{size} {where}: {line}" for size, pages in found.items()
                                             for where, lines in pages.items() for line in lines)
