"""The stakeholder's take-away: the board brief to print, and the session's report."""

import streamlit as st

from backdoor.defenses.lab import Lab
from ui.defense_session import outcomes_for
from ui.menus import heading
from ui.report_view import report_download
from ui.resources import current_dataset, current_device, poisoned_set
from ui.routing import through_router
from ui.training import scenario_or_stop, trained_or_stop

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title(heading("brief", "The board brief and the session report"))
dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()

st.subheader("The session report")
st.markdown("What this session measured, starting with the conclusion in plain words: how the backdoored model "
            "scored on ordinary inputs, how often the trigger (the attacker's secret signal) took over, and what "
            "each defense run in this session did. The settings that reproduce it come last, for the technical team.")
models, ids = trained_or_stop(dataset, scenario, device)
lab = Lab(dataset, scenario, models["backdoored"].model, ids["backdoored"], poisoned_set(dataset, scenario))
report_download(dataset, scenario, models, device, outcomes_for(lab), ids["backdoored"])
