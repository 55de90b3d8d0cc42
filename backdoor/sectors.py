"""What a backdoor means for a risk officer in finance, healthcare or transport: likelihood and
impact, first steps, the rules that apply (with links to the official texts), what to ask vendors,
what to put in the contract, and what to watch in production.

The words live in ``lessons/sectors.toml``; this module reads them into frozen records and writes
the compact form a printed brief uses. It never imports Streamlit.

Example:
    >>> sector = load_sectors()["finance"]
    >>> print(sector_markdown(sector))  # doctest: +SKIP
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SECTORS_FILE = Path(__file__).resolve().parent.parent / "lessons" / "sectors.toml"


@dataclass(frozen=True)
class Rule:
    """A regulation, supervisory text or standard: its official name, who issued it, a link to the
    official source, and one sentence on what it asks that a backdoor would engage."""

    name: str
    issuer: str
    link: str
    asks: str


@dataclass(frozen=True)
class Kpi:
    """A figure to watch in production: what it measures and the plain rule that raises the alarm."""

    name: str
    measures: str
    alarm: str


@dataclass(frozen=True)
class Sector:
    """One sector's page of the stakeholder path; ``key`` is the stable id ("finance", ...)."""

    key: str
    name: str
    model: str
    likelihood: str
    impact: str
    first: tuple[str, ...]
    rules: tuple[Rule, ...]
    vendor_questions: tuple[str, ...]
    clauses: tuple[str, ...]
    kpis: tuple[Kpi, ...]


def _sector(table: dict) -> Sector:
    return Sector(
        key=table["key"], name=table["name"], model=table["model"],
        likelihood=table["likelihood"], impact=table["impact"],
        first=tuple(table["first"]),
        rules=tuple(Rule(**rule) for rule in table["rules"]),
        vendor_questions=tuple(table["vendor_questions"]),
        clauses=tuple(table["clauses"]),
        kpis=tuple(Kpi(**kpi) for kpi in table["kpis"]),
    )


@lru_cache(maxsize=4)
def _read(path: Path) -> tuple[Sector, ...]:
    with open(path, "rb") as f:
        return tuple(_sector(table) for table in tomllib.load(f)["sectors"])


def load_sectors(path: Path = SECTORS_FILE) -> dict[str, Sector]:
    """The sectors in the file's order, keyed by ``Sector.key``.

    Args:
        path (Path): the TOML file; default ``lessons/sectors.toml``.
    Returns:
        dict[str, Sector]: a fresh dict each call (the records themselves are frozen and shared).
    """
    sectors = _read(Path(path))
    found = {s.key: s for s in sectors}
    if len(found) != len(sectors):
        raise ValueError(f"{path}: two sectors share a key")
    return found


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]


def sector_markdown(sector: Sector) -> str:
    """The compact form for a printed brief: the rules with their links, the questions for vendors,
    the contract clauses and the KPIs with their alarms (about 250-350 words a sector)."""
    lines = [f"**{sector.name}.** {sector.model}", "", "*Rules that apply*"]
    lines += [f"- [{r.name}]({r.link}), {r.issuer}" for r in sector.rules]
    lines += ["", "*Ask vendors*"] + [f"- {q}" for q in sector.vendor_questions]
    lines += ["", "*Contract clauses*"] + [f"- {c}" for c in sector.clauses]
    lines += ["", "*Alarms in production*"] + [f"- {k.name}: {_lower_first(k.alarm)}" for k in sector.kpis]
    return "\n".join(lines)
