"""The story with the keyboard alone (Tab, Enter, Space, Backspace; no mouse), in Chromium over the
warmed store: play spot-it round 2, go on to Train (the models load), fire the trigger, and run one
defense. Every stop of the focus on the way must be visible and ringed (ui/assets/lab.css)."""

from __future__ import annotations

import pytest

from conftest import ROOT
from benchmarks.load import IDLE
from launch import launch, sync_playwright
from settle import opened, settled

pytestmark = [pytest.mark.browser, pytest.mark.trains]

SHOTS = ROOT / "screenshots"
MOST_STOPS = 300  # Tab presses to look for one control: the longest page has about 130 stops

# The focused element: its name (a material icon's ligature, on a line of its own, left out), whether it
# can be seen at all, and whether it or one of its three nearest boxes wears an outline or a shadow. In a
# table the focus moves over cells the grid draws on its canvas: the table's own frame must show it.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const shown = e.closest('[data-testid="stDataFrame"]') || e;
  const ringed = x => { const s = getComputedStyle(x);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; };
  let ring = false;
  for (let x = shown, k = 0; x && k < 4 && !ring; x = x.parentElement, k++) ring = ringed(x);
  const lines = (e.getAttribute('aria-label') || e.innerText || '').split('\\n').map(l => l.trim()).filter(Boolean);
  return {name: lines.length ? lines[lines.length - 1] : '', tag: e.tagName, ring,
          visible: shown.checkVisibility({opacityProperty: true, visibilityProperty: true}),
          // why a ring is missing: the last input as keyboard.js saw it, Chrome's own verdict, the page's run
          input: document.documentElement.dataset.labInput || null, focusVisible: e.matches(':focus-visible'),
          run: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') || null};
}"""


def tab_to(tab, name: str) -> None:
    """Press Tab until the focus is on the control called ``name``; every stop on the way shows the focus.
    Each press waits for the page's script run to be over, as a person waits for a page to be drawn."""
    trail = []
    for _ in range(MOST_STOPS):
        tab.locator(IDLE).wait_for(timeout=180_000)
        tab.keyboard.press("Tab")
        focused = tab.evaluate(FOCUSED)
        trail.append(None if focused is None else focused["name"])
        if focused is None:
            continue  # past the last control, the browser's own frame takes the focus once
        assert focused["visible"] and focused["ring"], \
            f"the focus cannot be seen on {focused} (looking for {name!r}; the last stops: {trail[-10:]})"
        if focused["name"] == name:
            return
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / "keyboard-not-reached.png"), full_page=True)
    state = tab.evaluate("""() => { const a = document.querySelector('[data-testid="stApp"]');
        return a && [a.getAttribute('data-test-script-state'), a.getAttribute('data-test-connection-state')]; }""")
    raise AssertionError(f"{name!r} cannot be reached with Tab; page {state}, the last stops: {trail[-40:]}")


def press(tab, key: str) -> None:
    tab.keyboard.press(key)
    settled(tab)


def test_the_story_works_with_the_keyboard_alone(warm_server):
    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        browser = launch(p)
        tab = opened(browser, f"{warm_server.url}/poison", "What the attacker did", {"width": 1280, "height": 900})

        tab_to(tab, "Check my answer")  # past round 1: the next box is round 2's first
        tab_to(tab, "poisoned?")
        press(tab, "Space")
        assert tab.get_by_role("checkbox", name="poisoned?", checked=True).count() == 1
        tab_to(tab, "Check round 2")
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / "keyboard-check-round-2.png"))
        press(tab, "Enter")
        tab.get_by_text("faint Blended images").first.wait_for(timeout=60_000)
        assert "accused" in tab.inner_text("body")

        tab_to(tab, "Next: train a model on this data")
        press(tab, "Enter")
        tab.get_by_text("Backdoored: attack success").first.wait_for(timeout=180_000)
        settled(tab)

        tab_to(tab, "Next: fire the trigger on test images")
        press(tab, "Enter")
        tab.get_by_text("Every test image, with and without the trigger").wait_for(timeout=180_000)
        settled(tab)
        tab_to(tab, "Trigger")
        press(tab, "Space")
        tab.get_by_text("Backdoored says '0'").first.wait_for(timeout=60_000)

        tab_to(tab, "5. Defend")
        press(tab, "Enter")
        tab.get_by_role("button", name="Run the selected defenses").wait_for(timeout=180_000)
        settled(tab)
        for other in ("STRIP", "Neural Cleanse"):  # Backspace in the menu's box takes its last choice off
            tab_to(tab, "Defenses to run")
            press(tab, "Backspace")
            tab.get_by_role("button", name=f"Remove {other}").wait_for(state="detached", timeout=60_000)
        assert tab.get_by_role("button", name="Remove Activation Clustering").count() == 1
        tab_to(tab, "Run the selected defenses")
        tab.screenshot(path=str(SHOTS / "keyboard-run-defense.png"))
        press(tab, "Enter")
        tab.get_by_text("Every defense run on this model").wait_for(timeout=300_000)
        body = tab.inner_text("body")
        assert "Activation Clustering" in body and "Traceback" not in body
        browser.close()


# The main area's own outline, and whether it holds the focus.
MAIN_RING = """() => { const m = document.querySelector('[data-testid="stMain"]'); const s = getComputedStyle(m);
  return {focused: document.activeElement === m, ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0}; }"""
# A script's focus that Chrome does not count :focus-visible, whatever the last input was.
FOCUS_MAIN = "() => document.querySelector('[data-testid=\"stMain\"]').focus({focusVisible: false})"


def test_the_main_area_shows_the_focus_a_script_gives_it_after_keys_never_after_a_click(warm_server):
    # A control's code may hand the focus to the main area (its nearest focusable box) as the page is
    # drawn again, in a way Chrome does not count :focus-visible: a keyboard user lost the ring there
    # (ui/assets/keyboard.js and lab.css ring it whenever the keys were the last input).
    with sync_playwright() as p:
        browser = launch(p)
        tab = opened(browser, f"{warm_server.url}/glossary", "Glossary", {"width": 1280, "height": 900})
        main = tab.get_by_test_id("stMain").bounding_box()
        tab.mouse.click(main["x"] + main["width"] - 20, main["y"] + main["height"] - 20)  # a blank spot
        tab.evaluate(FOCUS_MAIN)
        assert tab.evaluate(MAIN_RING) == {"focused": True, "ring": False}  # a mouse user sees no ring
        tab.keyboard.press("Shift")  # a key that moves nothing: the keys are now the input
        tab.evaluate("() => document.activeElement.blur()")
        tab.evaluate(FOCUS_MAIN)
        assert tab.evaluate(MAIN_RING) == {"focused": True, "ring": True}
        tab.evaluate("() => document.activeElement.blur()")
        tab.mouse.click(main["x"] + main["width"] - 20, main["y"] + main["height"] - 20)
        assert tab.evaluate(MAIN_RING) == {"focused": True, "ring": False}  # the pointer again: no ring
        browser.close()
