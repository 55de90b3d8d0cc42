"""Every term the lab uses, in plain words."""

import streamlit as st

from ui.glossary import glossary
from ui.routing import through_router

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title("Glossary")
st.markdown("The words this lab uses, in plain language. Pick one, or read them all.")
entries = glossary()
chosen = st.selectbox("Look up a term", list(entries), format_func=lambda k: entries[k]["term"], index=None,
                      placeholder="Type to search...", key="glossary.term")
if chosen:
    st.info(f"**{entries[chosen]['term']}**: {entries[chosen]['text']}", icon=":material/menu_book:")
for key, entry in sorted(entries.items(), key=lambda kv: kv[1]["term"].lower()):
    st.markdown(f"**{entry['term']}**  \n{entry['text']}")
