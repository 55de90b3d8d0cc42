"""The sector view draws every sector without error, finance by default, with its rules."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from backdoor.sectors import load_sectors


def _page():
    from ui.sectors_view import sector_picker, show_sector

    show_sector(sector_picker())


def _text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption") for e in getattr(at, kind))


def test_the_picker_opens_on_finance_and_shows_its_rules():
    at = AppTest.from_function(_page, default_timeout=30).run()
    assert not at.exception
    assert at.segmented_control(key="w:govern.sector").value == "finance"
    assert "SS1/23 Model risk management principles for banks" in _text(at)


@pytest.mark.parametrize("key", ["healthcare", "transport"])
def test_each_sector_draws_its_rules_and_kpis(key):
    at = AppTest.from_function(_page, default_timeout=30).run()
    at.segmented_control(key="w:govern.sector").set_value(key).run()
    assert not at.exception
    sector = load_sectors()[key]
    text = _text(at)
    assert all(rule.name in text for rule in sector.rules)
    assert all(kpi.alarm in text for kpi in sector.kpis)


def test_the_kpi_table_has_two_columns_for_a_phone():
    from ui.sectors_view import kpi_table

    sector = load_sectors()["finance"]
    lines = kpi_table(sector).splitlines()
    assert len(lines) == 2 + len(sector.kpis)
    assert all(line.count("|") == 3 for line in lines)
