"""The printable handout is one A4 page when Chromium prints it."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from backdoor.classroom import ClassInfo, join_link
from backdoor.classroom.handout import handout_html
from conftest import ROOT
from launch import launch, require_chromium, sync_playwright

pytestmark = pytest.mark.browser


def test_the_handout_prints_on_one_a4_page():
    require_chromium()
    info = ClassInfo(1, "K7P2QX", "Tuesday workshop on backdoors in machine learning models", "stop-sign-sticker", 7,
                     datetime.now(timezone.utc), False, False)
    html = handout_html(info, join_link("http://lab.example.org:8501", info))
    with sync_playwright() as p:
        browser = launch(p)
        tab = browser.new_page()
        tab.set_content(html)
        assert "K7P2QX" in tab.inner_text("body") and tab.locator("svg").count() == 1  # the code and its QR
        pdf = tab.pdf(prefer_css_page_size=True)
        (ROOT / "screenshots").mkdir(exist_ok=True)
        (ROOT / "screenshots" / "handout.pdf").write_bytes(pdf)
        tab.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, to look at
        tab.screenshot(path=str(ROOT / "screenshots" / "handout.png"), full_page=True)
        browser.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the handout takes {pages} pages"
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", pdf)
    assert boxes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes), boxes
