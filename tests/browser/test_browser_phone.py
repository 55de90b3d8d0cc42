"""The story on a phone (390x844): poison (both spot-it rounds), train, fire the trigger, one defense and
explain, in Chromium over the warmed store. On every page: nothing scrolls sideways, neither the document
nor Streamlit's own scroll container; every visible button is at least 44 px tall (ui/assets/lab.css);
every chart, and every word on it, lies inside the screen, and no two chart titles overlap."""

from __future__ import annotations

import pytest

from conftest import ROOT
from launch import launch, sync_playwright
from settle import opened, settled

pytestmark = [pytest.mark.browser, pytest.mark.trains]

SHOTS = ROOT / "screenshots"
PHONE = {"width": 390, "height": 844}
TOUCH_TARGET = 44  # px: WCAG 2.5.5's target size, and Apple's and Google's guidance

# What a phone shows of the page, measured in it (buttons hidden under the closed sidebar, or shown only
# under a mouse pointer, do not count).
LAYOUT = """() => {
  const width = window.innerWidth;
  const main = document.querySelector('[data-testid="stMain"]');
  const shown = e => e.checkVisibility({opacityProperty: true, visibilityProperty: true});
  const box = e => e.getBoundingClientRect();
  const onScreen = r => r.width > 0 && r.height > 0 && r.right > 0 && r.left < width;
  const named = e => (e.getAttribute('aria-label') || e.innerText || e.tagName).trim().replace(/\\s+/g, ' ').slice(0, 50);
  const buttons = [...document.querySelectorAll('button, [role="button"]')].filter(e => shown(e) && onScreen(box(e)));
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(e => onScreen(box(e)));
  const outside = [], overlapping = [];
  for (const chart of charts) {
    for (const part of chart.querySelectorAll('svg.main-svg, text')) {
      const r = box(part);
      if (r.width > 0 && (r.left < -1 || r.right > width + 1)) outside.push((part.textContent || 'the chart').slice(0, 40));
    }
    const titles = [...chart.querySelectorAll('g.annotation')].map(box).filter(r => r.width > 0);
    titles.forEach((a, i) => titles.slice(i + 1).forEach(b => {
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        overlapping.push(chart.querySelector('g.annotation').textContent);
    }));
  }
  return {width, page: document.documentElement.scrollWidth, main: main.scrollWidth, mainWidth: main.clientWidth,
          buttons: buttons.length, charts: charts.length, outside, overlapping,
          small: buttons.filter(e => box(e).height < %d).map(e => named(e) + ' (' + Math.round(box(e).height) + ' px)')};
}""" % TOUCH_TARGET


# Words in the markdown tables (the matrix's costs, the published figures) that a line break cuts in two: the
# page's CSS lets a word break only when it cannot fit at all, so a phone never reads "Publi / shed" or
# "100.0 / %". A hyphen is a break a reader expects; a no-break space or hyphen joins one word.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('[data-testid="stMarkdownContainer"] :is(td, th)')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^ \\t\\n-]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def fits_a_phone(tab, name: str) -> dict:
    """The layout of the page on screen, asserted; a full-length picture of it in screenshots/."""
    settled(tab)
    seen = tab.evaluate(LAYOUT)
    assert seen["page"] <= seen["width"], f"{name}: the page scrolls sideways ({seen['page']} px wide)"
    assert seen["main"] <= seen["mainWidth"], f"{name}: Streamlit's frame scrolls sideways ({seen['main']} px)"
    assert seen["buttons"] and not seen["small"], f"{name}: buttons under {TOUCH_TARGET} px: {seen['small']}"
    assert not seen["outside"], f"{name}: chart parts off the screen: {seen['outside']}"
    assert not seen["overlapping"], f"{name}: chart titles overlap: {seen['overlapping']}"
    assert not (broken := tab.evaluate(BROKEN_WORDS)), f"{name}: words cut in two in a table: {broken}"
    height = tab.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    tab.set_viewport_size({"width": PHONE["width"], "height": min(height + 50, 16_000)})  # it scrolls inside stMain
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page=True)
    tab.set_viewport_size(PHONE)
    return seen


def from_the_menu(tab, label: str) -> None:
    """A phone shows the menu behind the sidebar's button: open it and follow the link; the menu closes
    itself over the new page (ui/assets/phone_menu.js)."""
    tab.get_by_test_id("stExpandSidebarButton").click()
    tab.get_by_test_id("stSidebar").get_by_role("link", name=label).first.click()
    # closed: marked collapsed and slid off the screen, then hidden (attached, not always visible)
    tab.locator('[data-testid="stSidebar"][data-collapsed="true"]').wait_for(state="attached", timeout=30_000)
    settled(tab)


def test_the_story_fits_a_phone(warm_server):
    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        browser = launch(p)
        tab = opened(browser, f"{warm_server.url}/poison", "What the attacker did", PHONE)
        tab.get_by_text("poisoned?").nth(8).click()  # the first picture of round 2
        tab.get_by_role("button", name="Check round 2").click()
        tab.get_by_text("faint Blended images").first.wait_for(timeout=60_000)
        seen = fits_a_phone(tab, "poison")
        assert seen["buttons"] >= 3  # both rounds' buttons and the sweep's, at least

        tab.get_by_role("link", name="Next: train a model on this data").click()
        tab.get_by_text("Backdoored: attack success").first.wait_for(timeout=180_000)
        # plotly draws a chart in the browser after the run that sent it has ended
        tab.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
        assert fits_a_phone(tab, "train")["charts"] >= 1  # the training curves, three panels side by side

        tab.get_by_role("link", name="Next: fire the trigger on test images").click()
        tab.get_by_text("Every test image, with and without the trigger").wait_for(timeout=180_000)
        settled(tab)
        tab.get_by_text("Trigger", exact=True).first.click()
        tab.get_by_text("Backdoored says '0'").first.wait_for(timeout=60_000)
        fits_a_phone(tab, "trigger")

        from_the_menu(tab, "5. Defend")
        run = tab.get_by_role("button", name="Run the selected defenses")
        run.wait_for(timeout=180_000)
        for other in ("Neural Cleanse", "STRIP"):  # one defense: Activation Clustering, a few seconds
            settled(tab)
            tab.get_by_role("button", name=f"Remove {other}").click()
        settled(tab)
        run.click()
        tab.get_by_text("Every defense run on this model").wait_for(timeout=300_000)
        fits_a_phone(tab, "defend")

        from_the_menu(tab, "4. Explain")
        tab.get_by_text("each explained for the class the model chose").wait_for(timeout=180_000)
        fits_a_phone(tab, "explain")
        assert "Traceback" not in tab.inner_text("body")
        browser.close()
