"""One sector of the stakeholder path, drawn for a phone first (390 px): likelihood and impact,
first steps, the rules with links, vendor questions and contract clauses, and the KPIs to watch."""

from __future__ import annotations

import streamlit as st

from backdoor.sectors import Sector, load_sectors
from ui.state import bind

DEFAULT_SECTOR = "finance"


def sector_picker(key: str = "govern.sector") -> Sector:
    """A segmented control over the sectors (finance first and by default); returns the chosen one."""
    sectors = load_sectors()
    if st.session_state.get(key) not in sectors:
        st.session_state[key] = DEFAULT_SECTOR
    # bound to a stored setting, so the choice made on one page is the one on the next (a widget's own
    # key is forgotten on a page that does not draw it)
    choice = st.segmented_control("Sector", list(sectors), required=True, **bind(key),
                                  format_func=lambda k: sectors[k].name.split(":")[0])
    return sectors[choice or DEFAULT_SECTOR]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def kpi_table(sector: Sector) -> str:
    """Two columns only, so the table wraps on a phone instead of scrolling sideways."""
    rows = [f"| **{_cell(k.name)}**: {_cell(k.measures)} | {_cell(k.alarm)} |" for k in sector.kpis]
    return "\n".join(["| What to watch | Alarm when |", "|---|---|", *rows])


def show_sector(sector: Sector) -> None:
    """The whole sector in a bordered box."""
    with st.container(border=True):
        st.markdown(f"#### {sector.name}")
        st.caption(sector.model)
        st.markdown(f"**How likely.** {sector.likelihood}\n\n**What it costs.** {sector.impact}")
        st.markdown("**What to do first**\n\n" + "\n".join(f"{i}. {step}" for i, step in enumerate(sector.first, 1)))
        st.markdown("**The rules that apply**\n\n"
                    + "\n".join(f"- [{r.name}]({r.link}) ({r.issuer}). {r.asks}" for r in sector.rules))
        st.caption("None of these rules names backdoors; each line says which of its general requirements a "
                   "backdoor would engage.")
        left, right = st.columns(2)
        with left.expander(f"Questions for vendors ({len(sector.vendor_questions)})"):
            st.markdown("\n".join(f"- {q}" for q in sector.vendor_questions))
        with right.expander(f"Contract clauses ({len(sector.clauses)})"):
            st.markdown("\n".join(f"- {c}" for c in sector.clauses))
        st.markdown("**Watch in production**")
        st.markdown(kpi_table(sector))
