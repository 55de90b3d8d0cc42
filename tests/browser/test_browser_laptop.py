"""The story on a laptop or a tablet with the menu open (1024 and 1280 px wide): the page is then 560-800 px,
and a row of pictures with a switch or a tick box under each cut the labels short ("Trig...",
"poisone..."). Such a row takes two lines there (ui/assets/lab.css): every label shows whole. So does every
button and page link ("Show other ima..." and "Glossar y" were squeezed beside their captions, the incident
drill's "Start again" in a quarter of the page, "Use this preset" in a third), every metric's label and value,
and every word (the Poison page's captions read "poison ed: labelle d", the Start page's path "organisatio n")."""

from __future__ import annotations

import pytest

from benchmarks.load import IDLE
from conftest import ROOT
from launch import launch, sync_playwright
from settle import opened
from widths import BROKEN_WORDS, BUTTONS, squeezed

pytestmark = pytest.mark.browser

SHOTS = ROOT / "screenshots"
LAPTOPS = ({"width": 820, "height": 1180}, {"width": 1024, "height": 768}, {"width": 1280, "height": 800})  # 820: a tablet upright

# Each switch's or tick box's label in a row of pictures: its text's own width, and the width it is given.
LABELS = """() => [...document.querySelectorAll('[data-testid="stColumn"] [data-testid="stCheckbox"] [data-testid="stMarkdownContainer"]')]
  .map(m => { const r = document.createRange(); r.selectNodeContents(m);
              return [m.innerText.trim(), r.getBoundingClientRect().width, m.getBoundingClientRect().width]; })"""

# Each metric's label and value: its text, the width its line needs and the width it shows (Streamlit cuts
# with an ellipsis what does not fit: "Backdoored: clean accu...", "0 of ...").
METRICS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"] [data-testid="stMarkdownContainer"]')]
  .map(m => [m.innerText.trim(), m.scrollWidth, m.clientWidth])"""


@pytest.mark.parametrize("size", LAPTOPS, ids=lambda s: f"{s['width']}px")
def test_every_label_under_a_picture_shows_whole_with_the_menu_open(warm_server, size):
    with sync_playwright() as p:
        browser = launch(p)
        for page, landmark, label, button in (("poison", "What the attacker did", "poisoned?", "Glossary"),
                                              ("trigger", "Every test image", "Explain this", "Show other images"),
                                              ("drill", "The model registry", None, "Start again"),
                                              ("start", "Your path", None, "Use this preset")):
            start = page == "start"  # the landing page: its own address, no glossary line, no metrics
            tab = opened(browser, f"{warm_server.url}/{'' if start else page}", landmark, size)
            assert tab.locator('[data-testid="stSidebar"][data-collapsed="false"]').count() == 1  # the menu is open
            SHOTS.mkdir(exist_ok=True)
            if label is not None:
                tab.get_by_test_id("stCheckbox").get_by_text(label, exact=True).nth(5).wait_for(timeout=120_000)  # six
                labels = tab.evaluate(LABELS)
                assert any(text == label for text, _, _ in labels), (page, labels)
                cut = squeezed(labels)
                assert not cut, f"{page} at {size['width']} px: labels cut short (text, width needed, width given): {cut}"
            if not start:
                tab.get_by_test_id("stMain").get_by_role("link", name="Glossary").wait_for()
            tab.get_by_role("button", name=button).or_(tab.get_by_role("link", name=button)).first.wait_for()
            tab.locator(IDLE).wait_for(timeout=120_000)  # the whole page drawn
            buttons = tab.evaluate(BUTTONS)
            tab.screenshot(path=str(SHOTS / f"laptop-{size['width']}-{page}.png"))
            metrics = tab.evaluate(METRICS)
            assert page == "trigger" or start or metrics, metrics  # poison and the drill show metrics (label and value each)
            cut = [(text, need, shown) for text, need, shown in metrics if need > shown + 1]
            assert not cut, f"{page} at {size['width']} px: metrics cut short (text, width needed, width shown): {cut}"
            assert {button} | ({"Glossary"} if not start else set()) <= {b[0] for b in buttons}, buttons
            cut = squeezed(buttons)
            assert not cut, f"{page} at {size['width']} px: buttons or links squeezed (text, width needed, width given): {cut}"
            broken = tab.evaluate(BROKEN_WORDS)
            assert not broken, f"{page} at {size['width']} px: words broken over two lines: {broken}"
        browser.close()
