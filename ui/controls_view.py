"""The controls table on a page: one card per control (a phone reads cards, not a wide table), then the
advice, both from the measured matrix (``backdoor.controls``)."""

from __future__ import annotations

import streamlit as st

from backdoor import estimates
from backdoor.controls import Control, attack_names, attack_stories, controls, recommend
from backdoor.datasets import Dataset
from backdoor.matrix import Matrix, MatrixConfig, config_for, estimate, load_matrix
from backdoor.scenario import Scenario
from ui.jobs import shared_memo
from ui.resources import current_device
from ui.url_state import link
from ui.waiting import here_or_measuring, live_estimate


def measured_matrix(dataset: Dataset, scenario: Scenario) -> tuple[MatrixConfig, Matrix | None]:
    """The matrix for these settings if anyone on this server computed it (the Matrix page does)."""
    config = config_for(scenario, dataset.name)
    return config, shared_memo("matrices", 4).get(config) or load_matrix(config)


def evidence(dataset: Dataset, scenario: Scenario) -> tuple[list[Control], list[str]] | None:
    """The controls and the advice for these settings, or None (with a way to measure them) when the
    matrix has not been computed yet."""
    config, matrix = measured_matrix(dataset, scenario)
    if matrix is None:
        def words(expected: estimates.Estimate | None) -> str:
            took = here_or_measuring(expected)
            return ("The controls are judged on the attack x defense matrix for this scenario, and it has not been "
                    f"measured on this server yet. Measure it once ({took}; afterwards it opens at once for "
                    "everyone), then come back.")

        device = current_device()
        live_estimate(lambda: estimate(estimates.DataShape.of(dataset), config, device), words,
                      lambda text: st.info(text, icon=":material/schedule:"))
        link("pages/matrix.py", label="Measure which defenses work", icon=":material/grid_on:")
        return None
    table = controls(matrix, attack_names(config))
    return table, recommend(table)


def show_controls(table: list[Control], advice: list[str]) -> None:
    named = {a for c in table for a in c.catches} | {m.attack for c in table for m in c.misses}
    stories = [f"**{name}**: {story}" for name, story in attack_stories(named)]
    if stories:
        st.caption("The attacks, by their scenario names on the Start page where they have one: " + " ".join(stories))
    st.markdown("**What to do, from this evidence**\n\n" + "\n".join(f"{i}. {line}" for i, line in enumerate(advice, 1)))
    for control in table:
        with st.container(border=True):
            st.markdown(f"**{control.title}**  \n{control.plain}")
            st.markdown(f"{control.verdict}  \n**Cost:** {control.cost}.  \n**With no attack at all:** "
                        f"{control.no_attack}.  \n**Risk left:** {control.residual}")
            st.caption(f"Owner: {control.owner} · NIST AI RMF: {control.nist}")
    st.caption("Caught means the control took the attack from at least 50% success to 10% or less, measured on "
               "held-out inputs it never saw. Seconds are this server's; a bigger model costs more.")
