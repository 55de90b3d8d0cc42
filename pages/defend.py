"""Step 5: run published defenses against the backdoored model and compare what each costs."""

import plotly.graph_objects as go
import streamlit as st

from backdoor.defenses.registry import DEFENSES
from backdoor.defenses.runs import Lab
from ui.defense_runs import run_defenses, show_results
from ui.glossary import glossary_link, quiz
from ui.lessons import show_lesson
from ui.report_view import report_download
from ui.resources import current_dataset, current_device, poisoned_set
from ui.state import bind
from ui.training import scenario_or_stop, trained_or_stop

st.title("5. Defend")
show_lesson("defend")
glossary_link("defense", "false-rejection", "pruning-quantization")
dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()
models, ids = trained_or_stop(dataset, scenario, device)
lab = Lab(dataset, scenario, models["backdoored"].model, ids["backdoored"], poisoned_set(dataset, scenario))
before = lab.evaluate(lab.model)
st.markdown(
    f"The backdoored model before any defense: clean accuracy **{before.clean_acc:.1%}**, attack success "
    f"**{before.asr:.1%}** (on {len(lab.held_out[1]):,} held-out test images; the other {lab.half:,} are the "
    "defender's small clean set)."
)

st.session_state.setdefault("defend.chosen", ["activation_clustering", "neural_cleanse", "strip"])
chosen = st.multiselect("Defenses to run", list(DEFENSES), format_func=lambda d: DEFENSES[d].title,
                        **bind("defend.chosen"))
with st.expander("Defense settings"):
    st.session_state.setdefault("defend.budget_pct", 2.0)
    st.session_state.setdefault("defend.expected_pct", round(100 * scenario.poison.rate, 1) or 10.0)
    c1, c2 = st.columns(2)
    c1.slider("Fine-Pruning: clean-accuracy budget (points)", 0.5, 10.0, step=0.5, **bind("defend.budget_pct"),
              help="Pruning stops before clean accuracy falls by more than this.")
    c2.slider("Spectral Signatures: expected poisoned share (%)", 1.0, 30.0, step=0.5, **bind("defend.expected_pct"),
              help="The defender's guess; here it starts at the true rate.")
settings = {"budget": st.session_state["defend.budget_pct"] / 100,
            "expected_fraction": st.session_state["defend.expected_pct"] / 100}

results = st.session_state.setdefault("defend.results", {})
if st.button("Run the selected defenses", type="primary", key="btn.defend.run", disabled=not chosen,
             icon=":material/shield:"):
    run_defenses(lab, chosen, settings, results)
show_results(lab, results)

summary = st.session_state.get("defend.summary", {})
rows = [(name, row) for (model_id, name), row in summary.items() if model_id == lab.model_id]
if rows:
    st.subheader("Every repair run this session")
    table = [{"defense": DEFENSES[n].title, "clean accuracy": f"{r['after'].clean_acc:.1%}",
              "attack success": f"{r['after'].asr:.1%}", "seconds": round(r["seconds"], 1), "measured": r["note"]}
             for n, r in rows]
    st.dataframe([{"defense": "no defense", "clean accuracy": f"{before.clean_acc:.1%}",
                   "attack success": f"{before.asr:.1%}", "seconds": 0, "measured": "the backdoored model"}] + table,
                 hide_index=True)
    fig = go.Figure(go.Scatter(
        x=[100 * before.asr] + [100 * r["after"].asr for _, r in rows],
        y=[100 * before.clean_acc] + [100 * r["after"].clean_acc for _, r in rows],
        text=["no defense"] + [DEFENSES[n].title for n, _ in rows], mode="markers+text", textposition="top center",
        marker=dict(size=12)))
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="attack success rate (%)",
                      yaxis_title="clean accuracy (%)", xaxis_range=[-5, 105])
    st.plotly_chart(fig, key="defend.scatter")
    st.caption("Top left is where a defender wants to be: high clean accuracy, low attack success.")
st.subheader("What you just saw")
if rows:
    best_name, best = min(rows, key=lambda nr: (nr[1]["after"].asr, -nr[1]["after"].clean_acc))
    st.markdown(
        f"Before any defense the backdoor worked on **{before.asr:.1%}** of triggered held-out images. The best of the "
        f"{len(rows)} defense(s) you ran, **{DEFENSES[best_name].title}**, left it at **{best['after'].asr:.1%}**, with "
        f"clean accuracy {best['after'].clean_acc:.1%} (it was {before.clean_acc:.1%}). Each defense looks at one "
        "kind of trace; the matrix (next) shows which attacks slip past each one."
    )
else:
    st.markdown(f"The backdoored model above hijacks **{before.asr:.1%}** of triggered held-out images. Run a defense "
                "to see what it catches and what it costs.")
report_download(dataset, scenario, models, device, rows, ids["backdoored"])
quiz("defend")
st.page_link("pages/matrix.py", label="Next: every attack against every defense", icon=":material/arrow_forward:")
