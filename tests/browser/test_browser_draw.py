"""Your own input, in the real browser: draw a trigger with the mouse, click to move it, train, see it
hijack the backdoored model; draw a digit and see both models' answers. On a desktop and a phone,
with axe-core on the canvases and nothing fetched from anywhere but the app."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from benchmarks.load import serve
from conftest import ROOT
from launch import launch, sync_playwright
from playwright.sync_api import expect
from settle import open_expander, settled, watch
from test_accessibility import SIZES, WCAG_AA, serious

pytestmark = [pytest.mark.browser, pytest.mark.trains]

SHOTS = ROOT / "screenshots"
# the drawn attack, two epochs and 15% poison: a short training that still plants the backdoor
START = "/poison?poison.attack=drawn&train.epochs=2&poison.rate_pct=15.0"
# streamlit-image-coordinates 0.4.1 draws its picture as an <img> in an iframe and takes no alt to pass on;
# ui/frame_alt.py gives it one from beside the frame. axe-core looks in frames only when run inside each.
TAP_PICTURE = 'iframe[title^="streamlit_image_coordinates"]'
CANVAS = "canvas.upper-canvas"  # Fabric.js's top layer of the drawing canvas, the one that takes the pointer
DRAWN = re.compile(r"Your (\d+)x(\d+)-pixel drawing, as every poisoned image will carry it, at row (\d+), column (\d+)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("store"), tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        chromium = launch(p)
        yield chromium
        chromium.close()


def stroke(tab, canvas, points: list[tuple[float, float]]) -> None:
    """Press, drag through ``points`` (fractions of the canvas) and release, as a hand would."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    tab.mouse.move(*at[0])
    tab.mouse.down()
    for x, y in at[1:]:
        tab.mouse.move(x, y, steps=8)
    tab.mouse.up()


def drawing_shown(tab, wanted) -> tuple[int, int, int, int]:
    """Wait until the page names a drawing for which ``wanted(height, width, row, column)`` holds."""
    for _ in range(120):
        found = DRAWN.search(tab.inner_text("body"))
        if found and wanted(*map(int, found.groups())):
            return tuple(map(int, found.groups()))
        settled(tab, start_within=500)
    raise AssertionError(f"no drawing as wanted; the page says {found and found.group(0)!r}")


def draw_a_trigger(tab) -> None:
    """A hook in the top-left corner, then a tap near the top right moves it there."""
    tab.get_by_text("Draw here:").wait_for(timeout=120_000)
    settled(tab)
    canvas = tab.locator(CANVAS)
    stroke(tab, canvas, [(0.08, 0.08), (0.25, 0.08), (0.25, 0.2)])
    height, width, row, col = drawing_shown(tab, lambda h, w, r, c: (h, w) != (5, 5) and r <= 3 and c <= 3)
    assert 2 <= height <= 8 and 4 <= width <= 10  # a 2-pixel pen over about 5 by 3 pixels of the 28
    picture = tab.frame_locator('iframe[title*="image_coordinates"]').locator("img")
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.1})  # over pixel (2, 22)
    moved = drawing_shown(tab, lambda h, w, r, c: c > 10)
    assert moved[:2] == (height, width) and moved[3] == min(22 - width // 2, 28 - width)  # centred on the tap


def say_what_was_drawn(tab, digit: str, tries: int = 3) -> None:
    """Type the digit into "What did you draw?" and pick it; again if a redraw closed the list meanwhile."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = tab.get_by_role("combobox", name="What did you draw?")
    for attempt in range(tries):
        settled(tab)
        box.click()
        box.fill(digit)
        box.press("Enter")
        try:
            tab.get_by_alt_text(f"your drawing of '{digit}', as the model sees it").wait_for(timeout=30_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise


def test_a_drawn_trigger_hijacks_the_model_and_a_drawn_digit_gets_both_answers(server, browser):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    requests: list[str] = []
    context = browser.new_context(viewport=SIZES["desktop"])
    context.on("request", lambda request: requests.append(request.url))
    tab = watch(context.new_page())
    tab.goto(server.url + START)
    draw_a_trigger(tab)
    found = _serious_now(tab)
    assert not found, found
    expect(tab.frame_locator(TAP_PICTURE).locator("#image")).to_have_attribute(
        "alt", re.compile(r"The test picture '\d' with your drawing at row \d+, column \d+; tap it"))
    assert _frames_axe(tab) == {}  # no serious or critical violation in any frame, the tap picture's included
    tab.screenshot(path=str(_shots() / "draw-1-trigger-desktop.png"))

    tab.get_by_role("link", name="2. Train the models").first.click()
    settled(tab)
    tab.get_by_role("button", name="Train both models").click()
    tab.get_by_text("What you just saw").wait_for(timeout=240_000)
    settled(tab)  # the heading streams in before the figures beneath it
    asr = float(re.search(r"Backdoored: attack success\s*([\d.]+)%", tab.inner_text("body")).group(1))
    assert asr >= 80, asr

    tab.get_by_role("link", name="3. Fire the trigger").first.click()
    tab.get_by_text("Every test image, with and without the trigger").wait_for(timeout=120_000)
    settled(tab)
    for toggle in tab.get_by_text("Trigger", exact=True).all():
        toggle.click()
        settled(tab)
    tab.get_by_text("Backdoored says '0'").first.wait_for(timeout=60_000)  # hijacked by the drawing
    assert tab.get_by_alt_text(re.compile("with the Your own drawing \\(draw the trigger\\) trigger")).count() >= 6

    open_expander(tab, "Draw your own digit and try the trigger on it", "Draw here:")
    for attempt in range(3):  # a canvas still setting itself up (just opened) can miss a first stroke
        stroke(tab, tab.locator(CANVAS), [(0.5, 0.15), (0.5, 0.85)])  # a "1"
        try:
            tab.get_by_text("What did you draw?").wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            settled(tab)
    tab.get_by_text("What did you draw?").wait_for(timeout=1_000)
    say_what_was_drawn(tab, "1")
    settled(tab)
    answers = tab.get_by_role("table").last.inner_text() if tab.get_by_role("table").count() else ""
    body = tab.inner_text("body")
    assert re.search(r"backdoored model|both models", body, re.I) and "Traceback" not in body
    assert answers.count("with the trigger") == 2 and answers.count("without the trigger") == 2, answers
    found = _serious_now(tab)
    assert not found, found
    tab.get_by_alt_text("your drawing of '1', as the model sees it").scroll_into_view_if_needed()
    tab.screenshot(path=str(_shots() / "draw-2-digit-desktop.png"))
    own = urlsplit(server.url).netloc
    assert {urlsplit(u).netloc for u in requests if not u.startswith("data:")} == {own}  # nothing leaves the machine
    context.close()


def test_on_a_phone_a_finger_draws_the_trigger_and_a_tap_places_it(server, browser):
    tab = watch(browser.new_page(viewport=SIZES["phone"]))
    tab.goto(server.url + START)
    draw_a_trigger(tab)
    assert tab.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"]  # nothing sideways
    tab.screenshot(path=str(_shots() / "draw-3-trigger-phone.png"))
    tab.close()


def _serious_now(tab) -> list[str]:
    """The serious violations on the page, after a second look when the first finds any (as the page-by-page
    accessibility test does): a state on its way out, an element fading in or out, is not counted."""
    found = serious(_axe(tab))
    if found:
        tab.wait_for_timeout(2_000)
        settled(tab)
        found = serious(_axe(tab))
    return found


def _axe(tab) -> dict:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(tab, options=WCAG_AA).response


def _frames_axe(tab) -> dict[str, set[str]]:
    """The serious or critical axe-core rules broken inside each component's frame, by the frame's address."""
    from axe_playwright_python.sync_playwright import Axe

    script, found = Axe().axe_script, {}
    for frame in tab.frames[1:]:
        frame.evaluate(script)
        results = frame.evaluate(f"axe.run(document, {json.dumps(WCAG_AA)})")
        broken = {v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")}
        if broken:
            found["image_coordinates" if "image_coordinates" in frame.url else frame.url] = broken
    return found


def _shots():
    SHOTS.mkdir(exist_ok=True)
    return SHOTS
