"""The stakeholder's take-away: the board brief to print, and the session's report."""

import streamlit as st

from backdoor.defenses.lab import Lab
from ui.brief_view import board_brief
from ui.controls_view import evidence
from ui.defense_session import outcomes_for
from ui.menus import TITLES, menu_title
from ui.readings import model_name
from ui.report_view import report_download
from ui.resources import current_dataset, current_device, poisoned_set
from ui.routing import through_router
from ui.sectors_view import sector_picker
from ui.training import scenario_or_stop, trained_or_stop
from ui.url_state import link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title(menu_title("brief", "The board brief and the session report"))
dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()

st.subheader("The board brief: two pages to print")
st.markdown("For a board or a risk committee, in your sector's terms: the risk, the controls judged on the measured "
            "evidence with their cost, owner and what each misses, what to do first, the rules that apply, the "
            "questions for vendors and the contract clauses, what to watch in production, the incident playbook, and "
            "the numbers you saw in this session. It opens in any browser; print it, or save it as a PDF, on A4.")
sector = sector_picker("govern.sector")
found = evidence(dataset, scenario)  # says how to measure the matrix when it is not measured yet
with st.spinner("Writing the brief..."):
    page, quoted = board_brief(sector, dataset, scenario, device, found)
st.download_button("Download the board brief (HTML, two A4 pages)", page, type="primary",
                   file_name=f"board-brief-{sector.key}.html", mime="text/html", icon=":material/download:",
                   key="btn.brief.download")
if found is None:
    st.caption("Until the matrix is measured, the brief says so and recommends no control.")
with st.container(border=True):
    st.markdown("**The numbers it quotes from this session** (the trigger is the attacker's secret signal that "
                "switches the backdoor on)")
    if quoted:
        st.markdown("\n".join(f"- {line}" for line in quoted))
    else:  # the pages by their names in this audience's menu, which numbers them its own way
        st.markdown("None yet: watch a backdoor planted, measure which defenses work or play the incident drill, "
                    "and the brief quotes what you saw.")
        for page, icon in (("train", ":material/model_training:"), ("matrix", ":material/grid_on:"),
                           ("drill", ":material/emergency:")):
            link(f"pages/{page}.py", label=menu_title(page, TITLES[page]), icon=icon)

st.subheader("The session report")
st.markdown(f"What this session measured, starting with the conclusion in plain words: how the "
            f"{model_name(scenario.poison.rate)} scored on ordinary inputs, how often the trigger (the attacker's "
            "secret signal) took over, and what each defense run in this session did. The settings that reproduce it "
            "come last, for the technical team.")
models, ids = trained_or_stop(dataset, scenario, device)
lab = Lab(dataset, scenario, models["backdoored"].model, ids["backdoored"], poisoned_set(dataset, scenario))
report_download(dataset, scenario, models, device, outcomes_for(lab), ids["backdoored"])
