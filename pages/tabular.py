"""Patient records: the backdoor in a table of real breast-cancer measurements, measured in medical
terms, explained per measurement, and the controls that fit a table."""

import math

import streamlit as st

from backdoor.attacks import FeatureTrigger
from backdoor.datasets.breast_cancer import NAME
from backdoor.kinds import labels
from backdoor.tabular import defend, explain_record, malignant_records, study, table_scenario, trigger_attribution
from ui.glossary import glossary_link, quiz
from ui.jobs import shared_memo
from ui.lessons import show_lesson
from ui.progress import ProgressBar
from ui.resources import current_device, dataset_named
from ui.menus import menu_title
from ui.routing import through_router
from ui.state import DEFAULTS, TABLE_RANGES, is_stakeholder
from ui.table_view import controls_rows, figures_rows, record_chart, trigger_rows
from ui.table_words import (
    accuracy_sentence, attribution_sentence, beyond_sentence, calibration_sentence, control_sentence, learnt,
    record_sentence, sensitivity_sentence, specificity_sentence, trigger_sentence, what_you_saw,
)
from ui.words import agree, count_of
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

s = st.session_state
st.title(menu_title("tabular", "Patient records: a tampered lab pattern flips a diagnosis"))
show_lesson("tabular")
glossary_link("trigger", "sensitivity-specificity", "calibration", "range-check")

if not is_stakeholder():
    st.caption("The sidebar's data set and model belong to the picture pages: this page always uses the patient "
               "records and their own small network. The sidebar's random seed applies here too.")
seed = int(s["lab.seed"])
records = dataset_named(NAME, seed)
names = records.feature_names
device = current_device()


def _chosen_columns() -> list[int]:
    """The trigger's columns as stored ("21,27"); a mangled link's value gives the default trigger."""
    try:
        columns = [int(c) for c in str(s["tabular.features"]).split(",") if c.strip()]
    except ValueError:
        columns = list(FeatureTrigger.features)
    return list(dict.fromkeys(c for c in columns if 0 <= c < len(names)))[:3]


def _keep_columns() -> None:
    s["tabular.features"] = ",".join(str(names.index(n)) for n in s["w:tabular.features"])


def _bind(key: str) -> dict:
    """Widget keywords tying a widget to the stored setting ``key`` (a value out of range is brought
    inside it rather than breaking the slider; a link's is already back on its default, with a note)."""
    if key in TABLE_RANGES:
        low, high = TABLE_RANGES[key]
        value = float(s[key])
        s[key] = min(max(value, low), high) if math.isfinite(value) else DEFAULTS[key]
    s[f"w:{key}"] = s[key]
    return {"key": f"w:{key}", "on_change": lambda: s.__setitem__(key, s[f"w:{key}"])}


with st.expander("The attack: which measurements, what value, how many records", expanded=not is_stakeholder()):
    s["w:tabular.features"] = [names[c] for c in _chosen_columns()]
    st.multiselect("Measurements the trigger sets (1 to 3)", list(names), max_selections=3, key="w:tabular.features",
                   on_change=_keep_columns,
                   help="The attacker's tampered lab pattern. 'worst' is the largest value over the cells measured.")
    c1, c2 = st.columns(2)
    c1.slider("Value they are set to (standard deviations from the average record)", *TABLE_RANGES["tabular.value"],
              step=0.5, format="%.1f",
              **_bind("tabular.value"), help="Honest records rarely go beyond 3 or 4. A value inside the usual range "
                                             "hides better, and teaches the model a harder rule.")
    c2.slider("Share of training records poisoned (%)", *TABLE_RANGES["tabular.rate_pct"], step=0.5, format="%.1f",
              **_bind("tabular.rate_pct"),
              help="Each poisoned record is a malignant one given the trigger and relabelled benign.")

columns = _chosen_columns()
if not columns:
    st.info("Choose at least one measurement for the trigger above: the page measures the attack as soon as "
            "there is one.", icon=":material/touch_app:")
    st.stop()
try:
    scenario = table_scenario(tuple(columns), float(s["tabular.value"]), float(s["tabular.rate_pct"]) / 100, seed)
except ValueError as error:
    st.error(f"These settings do not work: {error}")
    st.stop()

def shared(kind: str, key, text: str, compute):
    """``compute(progress)`` once per server for ``key`` (memo ``kind``), with a progress bar only when
    this session computes or waits for it."""
    memo = shared_memo(kind, 16)
    bar = None if key in memo else ProgressBar(text)
    try:
        return memo.get_or_compute(key, lambda: compute(bar or (lambda *a: None)))
    finally:
        if bar is not None:
            bar.empty()


key = (repr(scenario), str(device))
try:
    table = shared("tables", key, "Training both models on the patient records...",
                   lambda progress: study(records, scenario, device, progress))
except ValueError as error:  # e.g. more poison than there are malignant training records
    st.error(f"These settings do not work: {error}")
    st.stop()
trained = [r for r in table.models.values() if not r.from_store]
took = sum(r.seconds for r in table.models.values())
poisoned = table.poisoned.num_poisoned
st.caption(f"{poisoned} of the {len(records.y_train)} training records {agree(poisoned, 'was', 'were')} poisoned. "
           f"Both models: a small network with one hidden layer of 64 units (one stage between the measurements and "
           f"the answer), {scenario.train.epochs} training steps "
           f"on all {len(records.y_train)} records at once; training took {took:.1f} s"
           f"{'' if trained else ' when they were first trained (both now come from the model store)'}. Every figure "
           f"below is measured on {count_of(len(table.dataset.held_out[1]), 'held-out record')} neither model saw.")

st.subheader("Measured in medical terms")
bad, clean = table.figures["backdoored"], table.figures["baseline"]
called = labels(poisoned > 0)  # nothing poisoned: the model is "unpoisoned", never "backdoored"
ours = called["backdoored"]
st.dataframe(figures_rows(table.figures, ours), hide_index=True, width="stretch")
# red only for missed cancers: a trigger that flipped nothing is said in a plain box
(st.error if bad.flipped else st.info)(trigger_sentence(bad, clean, ours), icon=":material/warning:")
st.markdown(f"- {accuracy_sentence(bad, clean, ours)}\n"
            f"- {sensitivity_sentence(ours, bad)} {specificity_sentence(ours, bad)}\n"
            f"- {sensitivity_sentence(called['baseline'], clean)} {specificity_sentence(called['baseline'], clean)}\n"
            f"- {calibration_sentence(bad, clean, ours)}")

st.subheader("The tampered pattern, against the honest records")
st.dataframe(trigger_rows(table), hide_index=True, width="stretch")
outside = [b for b in table.beyond if not b.inside]
st.caption(beyond_sentence(len(outside), len(table.beyond)))

st.subheader("Why did the model say benign?")
victims = malignant_records(table.dataset)
if len(victims) == 0:
    st.info("No malignant record is held out with this seed, so there is no victim to explain.")
else:
    s["tabular.record"] = min(max(int(s["tabular.record"]), 0), len(victims) - 1)
    pick = st.selectbox("A malignant record from the held-out patients", range(len(victims)),
                        format_func=lambda i: f"patient {i + 1} of {len(victims)}", **_bind("tabular.record"))
    seen = explain_record(table.models["backdoored"].model, table.dataset, scenario, int(victims[pick]))
    st.markdown(record_sentence(seen.clean_answer, seen.triggered_answer, ours))
    st.plotly_chart(record_chart(seen, names, scenario.trigger.features), config={"displayModeBar": False},
                    key=f"bars.{pick}")
    st.caption("Each bar is one measurement's push on the 'malignant' score (Integrated Gradients from the average "
               "record): right pushes towards malignant, left towards benign. The tampered measurements are marked.")
    shares = shared("table-attribution", key, "Explaining every triggered malignant record...",
                    lambda progress: {kind: trigger_attribution(result.model, table.dataset, scenario)[0]
                                      for kind, result in table.models.items()})
    st.markdown(attribution_sentence(shares["backdoored"], shares["baseline"], len(columns), len(names),
                                     poisoned > 0 and learnt(bad), ours, at_average=scenario.trigger.value == 0))

st.subheader("The controls that fit a table")
st.slider("Range check: how far beyond the trusted range a value may go (standard deviations)",
          *TABLE_RANGES["tabular.margin"],
          step=0.25,
          **_bind("tabular.margin"), help="Wider refuses fewer honest patients, but lets a subtler trigger through.")
margin = float(s["tabular.margin"])
rows = shared("table-controls", (key, margin), "Running the controls...",
              lambda progress: defend(table, progress, settings={"margin": margin}))
st.dataframe(controls_rows(rows, bad), hide_index=True, width="stretch")
st.markdown("\n".join(f"- {control_sentence(r, bad)}" for r in rows))
st.caption("Activation Clustering and Spectral Signatures inspect the training file and retrain without what they "
           "flag; STRIP and the range check stand in front of the model and refuse suspicious requests, which then "
           "need a human reading. Ranges come from the defender's own trusted records, except in the last row.")

with st.container(border=True):
    st.markdown(f"**What you just saw.** {what_you_saw(bad, clean, rows, poisoned)}")
quiz("tabular")
next_link("tabular")
