"""The Matrix page over the warmed store (its matrix on seeds 0, 1 and 2, conftest.py), in Chromium at
desktop and phone sizes: each defense's seconds and false alarms, the luck section with each cell's range,
and BackdoorBench's figures beside ours; on a phone nothing scrolls sideways."""

from __future__ import annotations

import pytest

from conftest import ROOT
from launch import launch, sync_playwright
from settle import opened
from test_browser_phone import PHONE, fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.trains]

SHOTS = ROOT / "screenshots"


def _sections(tab) -> str:
    for text in ("What each defense costs: time, and false alarms on a clean model",
                 "Luck: the same matrix on three seeds", "Beside the published benchmark"):
        tab.get_by_text(text, exact=True).wait_for(timeout=60_000)
    body = tab.inner_text("body")
    assert "Traceback" not in body
    return body


def _widest_range() -> str:
    """The luck map's text for the cell whose seeds lie furthest apart, from the stored matrices."""
    from backdoor.matrix import Matrix
    from backdoor.matrix_seeds import spread_text, spreads

    names = {0: "matrix-default.json", 1: "matrix-seed1.json", 2: "matrix-seed2.json"}
    stored = {seed: Matrix.from_json((ROOT / "tests" / "browser" / name).read_text()) for seed, name in names.items()}
    widest = max(spreads(stored), key=lambda s: s.asr[1] - s.asr[0])
    assert widest.asr[1] - widest.asr[0] > 0.1  # a range, not one figure
    return spread_text(widest)


def test_the_matrix_page_shows_costs_luck_and_the_published_figures(warm_server):
    with sync_playwright() as p:  # a broken install fails here, naming `make test`; never a skip
        browser = launch(p)
        tab = opened(browser, f"{warm_server.url}/matrix", "What the matrix says", {"width": 1280, "height": 900})
        body = _sections(tab)
        assert "A defender cannot know there is no backdoor" in body
        assert "Anti-Backdoor Learning" in body and "honest training images" in body
        assert "verdicts" in body and "seeds" in body  # the luck summary, from the three stored matrices
        assert "Compute the other seeds" not in body  # all three are stored
        # each cell's range over the seeds in the luck map, and the flipped verdicts marked
        tab.locator('[data-testid="stPlotlyChart"] text', has_text=_widest_range()).first.wait_for(timeout=30_000)
        assert "BackdoorBench" in body and "CIFAR-10" in body
        height = tab.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        tab.set_viewport_size({"width": 1280, "height": min(height + 50, 16_000)})
        SHOTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(SHOTS / "matrix-desktop.png"), full_page=True)

        phone = opened(browser, f"{warm_server.url}/matrix", "What the matrix says", PHONE)
        _sections(phone)
        fits_a_phone(phone, "matrix")
        browser.close()
