"""Step 7: the risk brief: what a backdoor means for an organisation, and the controls that catch it."""

import tomllib

import streamlit as st

from backdoor.fingerprint import fingerprint
from ui.controls_view import evidence, show_controls
from ui.glossary import glossary_link, quiz
from ui.sectors_view import sector_picker, show_sector
from ui.lessons import LESSONS
from ui.resources import current_dataset
from ui.training import poisoned_or_stop, scenario_or_stop
from ui.menus import menu_title
from ui.routing import through_router
from ui.url_state import link
from ui.words import share
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

with open(LESSONS / "govern.toml", "rb") as f:
    brief = tomllib.load(f)

st.title(menu_title("govern", "7. Govern: the risk brief"))
with st.container(border=True):
    st.markdown(f"**In one paragraph.** {brief['summary']}")
glossary_link("trigger", "fingerprint", "provenance", "defense")

dataset = current_dataset()
scenario = scenario_or_stop()

st.subheader("The controls, judged on the evidence")
st.markdown("Each control below was run against every attack in the matrix for this scenario. What it catches, "
            "what it misses, what it costs and the risk it leaves are the measured figures, not a vendor's claims.")
found = evidence(dataset, scenario)
if found is not None:
    show_controls(*found)

st.subheader("Your sector: the rules, the vendor, the watch")
link("pages/tabular.py", label=brief["shown"], icon=":material/table_chart:")
show_sector(sector_picker())

st.subheader("Provenance you can check: the data set's fingerprint")
poisoned = poisoned_or_stop(dataset, scenario)
clean_print = fingerprint(dataset.x_train, dataset.y_train)
poisoned_print = fingerprint(poisoned.x, poisoned.y)
c1, c2 = st.columns(2)
c1.markdown(f"**Approved training set** ({len(dataset.y_train):,} images)")
c1.code(clean_print, language=None, wrap_lines=True)
c2.markdown(f"**The set the model was trained on** ({poisoned.num_poisoned:,} images poisoned)")
c2.code(poisoned_print, language=None, wrap_lines=True)
touched = poisoned.num_poisoned + poisoned.num_cover  # an adaptive attack's cover images are altered too
changed = share(touched, len(dataset.y_train))
if clean_print == poisoned_print:
    st.info("With nothing poisoned, the two fingerprints match: this is the approved data.")
else:
    st.warning(
        (f"Only {changed} of the images were touched, yet the fingerprint is completely different. "
         if touched <= len(dataset.y_train) // 10 else
         f"{changed} of the images were touched, and the fingerprint is completely different: a single changed image "
         "would do the same. ")
        + "Recording "
        "the fingerprint when a data set is approved, and checking it before every training run, makes a silent "
        "swap of the data visible. It cannot tell *what* changed: that is what the defenses are for. Nor can it "
        "see poison that was already in the data when it was approved, such as a vendor's delivery: a fingerprint "
        "proves the data is the one approved, not that it is clean.",
        icon=":material/fingerprint:",
    )

st.subheader("Governance checklist (mapped to the NIST AI Risk Management Framework)")
st.table([{"control": c["control"], "NIST AI RMF function": c["function"]} for c in brief["checklist"]])
st.caption("The NIST AI RMF (https://www.nist.gov/itl/ai-risk-management-framework) organises AI risk work in four "
           "functions: Govern (policies and accountability), Map (context and where risks come from), Measure "
           "(testing and evaluation) and Manage (acting on risks, monitoring, response).")
quiz("govern")
next_link("govern")
