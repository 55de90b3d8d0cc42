"""The stakeholder path's sector pages: complete, linked to official sources only, naming the rules
each sector must cite, with contracts that cover the evidence a backdoor investigation needs, and a
printed form short enough for a two-page brief."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlparse

import pytest

from backdoor.sectors import Kpi, Rule, Sector, load_sectors, sector_markdown

SECTORS = load_sectors()

OFFICIAL_DOMAINS = ("federalreserve.gov", "occ.gov", "occ.treas.gov", "fdic.gov", "bankofengland.co.uk",
                    "eur-lex.europa.eu", "fda.gov", "iso.org", "unece.org")

# A marker that must appear in some rule's name or "asks" sentence, per sector.
REQUIRED_RULES = {
    "finance": ("SR 11-7", "SS1/23", "2022/2554", "2024/1689", "Annex III point 5(b)", "Article 10", "Article 15"),
    "healthcare": ("Predetermined Change Control Plan", "Cybersecurity in Medical Devices", "2017/745",
                   "17.2", "17.4", "post-market surveillance", "2024/1689", "Article 6(1)"),
    "transport": ("ISO 26262", "ISO 21448", "ISO/SAE 21434", "UN Regulation No. 155"),
}

# Each contract must cover these; a word in the clause text stands for each.
CLAUSE_TOPICS = {"data lineage": "lineage", "training attestation": "seeds", "right to audit": "audit",
                 "notice of retraining": "retrain", "incident notification": "incident",
                 "evidence retention": "retention"}

MAX_WORDS = 350  # per sector in the printed form: three sectors and the rest fit two A4 pages


def _texts(value) -> list[str]:
    """Every string inside a record, however deep."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return [t for f in dataclasses.fields(value) for t in _texts(getattr(value, f.name))]
    return [t for item in value for t in _texts(item)]


def test_the_three_sectors_are_keyed_by_their_stable_ids():
    assert list(SECTORS) == ["finance", "healthcare", "transport"]
    assert all(key == sector.key for key, sector in SECTORS.items())


@pytest.mark.parametrize("key", list(SECTORS))
def test_every_field_is_filled(key):
    sector = SECTORS[key]
    for field in dataclasses.fields(Sector):
        assert getattr(sector, field.name), f"{key}.{field.name} is empty"
    assert all(_texts(sector)) and all(t.strip() == t for t in _texts(sector))
    assert 2 <= len(sector.first) <= 3
    assert 5 <= len(sector.vendor_questions) <= 7
    assert 4 <= len(sector.clauses) <= 6
    assert 4 <= len(sector.kpis) <= 6
    assert all(isinstance(r, Rule) for r in sector.rules) and all(isinstance(k, Kpi) for k in sector.kpis)


@pytest.mark.parametrize("key", list(SECTORS))
def test_no_text_would_be_read_as_markup(key):
    """A dollar sign starts LaTeX in st.markdown; a pipe breaks the KPI table."""
    assert not [t for t in _texts(SECTORS[key]) if "$" in t or "|" in t]


@pytest.mark.parametrize("key", list(SECTORS))
def test_every_link_is_https_to_an_official_site(key):
    for rule in SECTORS[key].rules:
        url = urlparse(rule.link)
        assert url.scheme == "https", rule.link
        assert any(url.hostname == d or url.hostname.endswith("." + d) for d in OFFICIAL_DOMAINS), rule.link


@pytest.mark.parametrize("key", list(SECTORS))
def test_the_required_rules_are_cited(key):
    cited = " ".join(f"{r.name} {r.asks}" for r in SECTORS[key].rules)
    assert [m for m in REQUIRED_RULES[key] if m not in cited] == []


def test_rules_are_not_claimed_to_name_backdoors():
    """None of the rules mentions backdoors; an "asks" sentence may only say what a backdoor engages."""
    for sector in SECTORS.values():
        for rule in sector.rules:
            assert "backdoor" not in rule.name.lower()
            assert "requires backdoor" not in rule.asks.lower() and "backdoors must" not in rule.asks.lower()


def test_the_transport_rules_keep_safety_and_security_apart():
    rules = {r.name.split(":")[0].split(" Road")[0]: r.asks for r in SECTORS["transport"].rules}
    assert "is not about deliberate attacks" in rules["ISO 26262"]
    assert "excludes cybersecurity threats" in rules["ISO 21448"]
    assert "tampering" in rules["ISO/SAE 21434"]


@pytest.mark.parametrize("key", list(SECTORS))
def test_the_contract_covers_the_evidence_an_investigation_needs(key):
    clauses = " ".join(SECTORS[key].clauses).lower()
    assert [topic for topic, word in CLAUSE_TOPICS.items() if word not in clauses] == []


@pytest.mark.parametrize("key", list(SECTORS))
def test_the_printed_form_has_each_rule_and_link_and_stays_short(key):
    sector = SECTORS[key]
    text = sector_markdown(sector)
    for rule in sector.rules:
        assert f"[{rule.name}]({rule.link})" in text
    assert all(q in text for q in sector.vendor_questions) and all(c in text for c in sector.clauses)
    assert all(f"{k.name}: {k.alarm[0].lower()}{k.alarm[1:]}" in text for k in sector.kpis)
    assert len(text.split()) <= MAX_WORDS


def test_records_are_frozen_and_each_load_returns_a_fresh_dict():
    first, second = load_sectors(), load_sectors()
    assert first is not second and first["finance"] is second["finance"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        first["finance"].name = "changed"


def test_a_file_with_a_repeated_key_is_refused(tmp_path):
    from backdoor.sectors import SECTORS_FILE

    text = SECTORS_FILE.read_text(encoding="utf-8").replace('key = "transport"', 'key = "finance"')
    path = tmp_path / "sectors.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="share a key"):
        load_sectors(path)
