"""SCALE-UP's panel: how consistent each input's answer stays when amplified, honest against triggered."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from backdoor.defenses.lab import Lab
from backdoor.defenses.scale_up import DEFENSE, threshold_for
from backdoor.outcomes import Outcome
from ui.charts import CHART_CONFIG, HARMFUL, HONEST
from ui.monitor_words import caught_sentence, monitors_compared, refused_sentence
from ui.words import percent


def _strip_rates(lab: Lab) -> tuple[float, float] | None:
    """STRIP's (caught, refused) on this very model, when it has been run in this session."""
    strip = st.session_state.get("defend.summary", {}).get((lab.model_id, "strip"))
    if strip is None or strip.result is None:
        return None
    return 1 - strip.result.far, strip.result.frr


def draw(lab: Lab, outcome: Outcome, key: str) -> None:
    """The two SPC histograms (honest plain, triggered hatched), the threshold and both rates."""
    result = outcome.result
    frr_pct = st.slider("Allowed refusals of honest inputs (%)", 0.0, 20.0, value=100 * DEFENSE.config.frr, step=0.5,
                        format="%.1f",
                        key=f"{key}.frr", help="The monitor refuses inputs whose answer stays the same at too many "
                                               "brightness levels.")
    threshold = threshold_for(result.defender_spc, frr_pct / 100)
    refused, caught = result.rates_at(threshold)
    scales = DEFENSE.config.scales  # the page runs it with its default scalings (only the FRR is a setting)
    bins = dict(start=0.5 / scales, end=1.0 + 0.5 / scales, size=1.0 / scales)  # one bar per possible score
    fig = go.Figure()
    fig.add_trace(go.Histogram(x=result.clean_spc.tolist(), name="honest inputs", opacity=0.6, xbins=bins,
                               marker_color=HONEST))
    fig.add_trace(go.Histogram(x=result.triggered_spc.tolist(), name="triggered inputs (hatched)", opacity=0.6,
                               xbins=bins, marker_color=HARMFUL, marker_pattern_shape="/"))
    fig.add_vline(x=threshold + 0.5 / scales, line_dash="dash", annotation_text="refused to the right")
    fig.update_layout(barmode="overlay", height=300, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title="share of brightness levels that keep the answer<br>(SPC)", xaxis_automargin=True,
                      legend=dict(orientation="h", y=-0.3))
    st.plotly_chart(fig, key=f"{key}.hist", config=CHART_CONFIG)
    st.caption(f"The threshold is set on the defender's {lab.half:,} clean images so that at most the share you "
               f"allow of them is refused; the rates below are measured on the {len(lab.held_out[1]):,} held-out "
               "images, which it never saw. Scores come in steps, so the share refused can be below what you allow.")
    c1, c2 = st.columns(2)
    c1.metric("Triggered inputs caught", percent(caught))
    c1.markdown(caught_sentence(caught))
    c2.metric("Honest inputs refused", percent(refused))
    c2.markdown(refused_sentence(refused))
    st.markdown(
        "Why it can fail: brightening pushes light pixels to pure white and leaves black ones black. On white "
        "digits on black the strokes simply turn white, so many honest digits keep their answer at every "
        "brightness too. Where honest inputs pile up at the right beside the triggered ones, no threshold can "
        "refuse the one without the other."
    )
    strip = _strip_rates(lab)
    if strip is not None:
        st.markdown(monitors_compared("STRIP", strip, "SCALE-UP", (caught, refused)))
    else:
        st.markdown("Run STRIP on this model too to compare the two monitors. STRIP fails when blending weakens the "
                    "trigger (a faint blend, a warp); SCALE-UP fails when brightening breaks the trigger or honest "
                    "answers hardly change when brightened.")
