"""Streamlit helpers shared by the pages: session state, cached resources, widgets."""
