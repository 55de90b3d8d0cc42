"""Step 5: run published defenses against the backdoored model and compare what each costs."""

import streamlit as st

from backdoor.defenses.registry import DEFENSES
from backdoor.defenses.lab import Lab
from backdoor.metrics import Evaluation
from backdoor.outcomes import detection_sentence, reading
from ui.charts import CHART_CONFIG, defense_scatter
from ui.defense_session import outcomes_for
from ui.defense_runs import run_defenses, say_how_long, show_results
from ui.glossary import glossary_link, quiz
from ui.lessons import show_lesson
from ui.report_view import report_download
from ui.resources import current_dataset, current_device, poisoned_set
from ui.state import RATE_RANGE, bind
from ui.training import model_figures, scenario_or_stop, trained_or_stop, warn_if_learnt_nothing
from ui.routing import through_router
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

EXPECTED_MAX = RATE_RANGE[1]  # the defender may guess as high as any poison rate the lab offers

st.title("5. Defend")
show_lesson("defend")
glossary_link("defense", "false-rejection", "pruning-quantization")
dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()
models, ids = trained_or_stop(dataset, scenario, device)
warn_if_learnt_nothing(dataset, scenario, device, models)
lab = Lab(dataset, scenario, models["backdoored"].model, ids["backdoored"], poisoned_set(dataset, scenario))
poisoned = lab.poisoned.num_poisoned > 0  # nothing poisoned: the model has no backdoor, and is never called backdoored
which = ("The backdoored model from step 2" if poisoned
         else "The model from step 2 (nothing was poisoned, so it has no backdoor)")
before = Evaluation(**model_figures(dataset, scenario, device, {"backdoored": models["backdoored"]})["backdoored"])
c1, c2 = st.columns(2)
c1.metric("Before any defense: clean accuracy", f"{before.clean_acc:.1%}")
c2.metric("Before any defense: attack success", f"{before.asr:.1%}")
st.caption(
    f"{which}, measured on the same {len(lab.held_out[1]):,} held-out test images as on every "
    f"page. The other {lab.half:,} test images are the defender's small clean set: defenses may learn from them, so "
    "no figure is ever measured on them."
)

st.session_state.setdefault("defend.chosen", ["activation_clustering", "neural_cleanse", "strip"])
chosen = st.multiselect("Defenses to run", list(DEFENSES.fitting("image")), format_func=lambda d: DEFENSES[d].title,
                        **bind("defend.chosen"))
with st.expander("Defense settings"):
    st.session_state.setdefault("defend.budget_pct", 2.0)
    if st.session_state.get("defend.expected_for") != scenario.poison.rate:  # new settings: the guess starts at their rate
        st.session_state["defend.expected_for"] = scenario.poison.rate
        st.session_state["defend.expected_pct"] = min(max(round(100 * scenario.poison.rate, 1), 1.0), EXPECTED_MAX) \
            if scenario.poison.rate > 0 else 10.0
    c1, c2 = st.columns(2)
    c1.slider("Fine-Pruning: clean-accuracy budget (points)", 0.5, 10.0, step=0.5, format="%.1f",
              **bind("defend.budget_pct"),
              help="Pruning stops before clean accuracy falls by more than this.")
    guessers = " and ".join(d.title for d in DEFENSES.fitting("image").values() if "expected_fraction" in d.settings)
    c2.slider(f"{guessers}: expected poisoned share (%)", 1.0, EXPECTED_MAX, step=0.5, format="%.1f",
              **bind("defend.expected_pct"),
              help="The defender's guess; here it starts at the true rate (at 10% when nothing is poisoned).")
settings = {"budget": st.session_state["defend.budget_pct"] / 100,
            "expected_fraction": st.session_state["defend.expected_pct"] / 100}

results = st.session_state.setdefault("defend.results", {})
say_how_long(lab, chosen, settings)
if st.button("Run the selected defenses", type="primary", key="btn.defend.run", disabled=not chosen,
             icon=":material/shield:"):
    run_defenses(lab, chosen, settings, results)
show_results(lab, results)

outcomes = outcomes_for(lab)
repairs = [o for o in outcomes if o.repaired]
if outcomes:
    st.subheader("Every defense run on this model")
    table = [{"defense": "no defense", "clean accuracy": f"{before.clean_acc:.1%}", "attack success": f"{before.asr:.1%}",
              "clean accuracy lost (points)": "0.0", "honest requests refused": "0.0%", "seconds": 0.0,
              "measured": "the backdoored model as trained"}]
    for o in outcomes:
        table.append({"defense": o.title,
                      "clean accuracy": f"{o.after.clean_acc:.1%}" if o.repaired else "unchanged",
                      "attack success": f"{o.after.asr:.1%}" if o.repaired else "unchanged",
                      "clean accuracy lost (points)": f"{o.cost(before):.1f}" if o.repaired else "unchanged",
                      "honest requests refused": f"{o.refused:.1%}", "seconds": round(o.seconds, 1),
                      "measured": o.note if o.repaired else
                      detection_sentence(o) + (" Not acted on yet." if o.flagged else "")})
    # on a phone the table scrolls sideways: the defense's name stays in view beside its figures
    st.dataframe(table, hide_index=True, column_config={"defense": st.column_config.TextColumn(pinned=True)})
    st.caption(f"Every figure on the {len(lab.held_out[1]):,} held-out test images. Points lost: positive means "
               f"worse than the {'backdoored ' if poisoned else ''}model before the defense.")
if repairs:
    st.plotly_chart(defense_scatter(before, repairs), key="defend.scatter", config=CHART_CONFIG)
    st.caption("Top left is where a defender wants to be: high clean accuracy, low attack success.")
st.subheader("What you just saw")
st.markdown(reading(before, outcomes, poisoned=poisoned))
report_download(dataset, scenario, models, device, outcomes, ids["backdoored"])
quiz("defend")
next_link("defend")
