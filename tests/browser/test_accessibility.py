"""axe-core on every page, with trained models on screen, at desktop and phone sizes: no serious or
critical WCAG 2.1 AA violation (https://github.com/dequelabs/axe-core, bundled offline by
axe-playwright-python)."""

from __future__ import annotations

import json

import pytest

from benchmarks.load import serve
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


@pytest.fixture(scope="module")
def server(warm_store, tmp_path_factory):
    """A warmed server: the default scenario's models and its matrix are in the store (conftest.py)."""
    with serve(warm_store, tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


def serious(results: dict) -> list[str]:
    """Each serious or critical violation as one line: rule, impact, how many elements, the first one."""
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements), e.g. {v['nodes'][0]['target']}: "
            f"{v['nodes'][0].get('failureSummary', '')[:160]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_has_no_serious_accessibility_violation(server, size):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    with sync_playwright() as p:
        browser = launch(p)
        for page in PAGES:  # a stakeholder's pages are these, in other words
            tab = watch(browser.new_page(viewport=SIZES[size]))
            tab.goto(f"{server.url}/{page}")
            tab.locator('[data-testid="stMain"]').wait_for(timeout=120_000)
            settled(tab, timeout=240_000)
            tab.wait_for_timeout(500)  # charts draw once the run is over
            results = axe.run(tab, options=WCAG_AA).response
            if serious(results):  # a second look, so a state on its way out (a spinner) is not counted
                tab.wait_for_timeout(2_000)
                settled(tab, timeout=240_000)
                results = axe.run(tab, options=WCAG_AA).response
            if serious(results):
                found[f"/{page}"] = serious(results)
            tab.close()
        browser.close()
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / f"axe-{size}.json").write_text(json.dumps(found, indent=1))
    assert not found, "\n".join(f"{where}: {line}" for where, lines in found.items() for line in lines)
