"""Step 6: every attack against every defense, computed once and kept on disk."""

import streamlit as st

from backdoor import estimates
from backdoor.controls import attack_names, words
from backdoor.datasets import DATASETS
from backdoor.matrix import (column_title, config_for, estimate, load_matrix, matrix, matrix_path, matrix_rows,
                             row_title)
from ui.glossary import glossary_link, quiz
from ui.lessons import show_lesson
from ui.matrix_costs import costs_markdown, false_alarm_reading
from ui.matrix_luck import seed_spread, show_luck
from ui.matrix_view import heatmap, read_matrix, table_rows
from ui.reference_view import show_published_beside
from ui.resources import current_dataset, current_device
from ui.state import is_stakeholder
from ui.training import scenario_or_stop
from ui.jobs import offer_job, shared_memo
from ui.waiting import busy_note, here_or_measuring, live_estimate
from ui.words import count_of, metric_delta
from ui.menus import menu_title
from ui.routing import through_router
from ui.charts import CHART_CONFIG
from models import MODELS
from ui.words import and_list, count_of
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title(menu_title("matrix", "6. Every attack against every defense"))
show_lesson("matrix")
glossary_link("defense", "attack-success-rate", "clean-accuracy")
dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()


config = config_for(scenario, dataset.name)
rows = [row.title for name, row in matrix_rows().items() if name in config.rows and row.fits(dataset.name)]
intro = st.empty()


def describe(titles: list[str]) -> str:
    if is_stakeholder():
        return (f"**Rows:** {len(titles)} ways an attacker can plant a backdoor. **Columns:** doing nothing, then "
                f"{len(config.columns) - 1} published defenses, each with its repair. Each attack and each defense "
                "is run for real on this server.")
    return (f"**Rows:** {and_list(titles)}, each at its default settings and poison rate, on "
            f"**{DATASETS[dataset.name].title}** with **{MODELS[scenario.model].title}**, "
            f"{count_of(scenario.train.epochs, 'epoch')}. **Columns:** no defense, then each defense "
            "with its repair: retraining without the flagged images, unlearning, pruning, or rejecting inputs at "
            "serving time.")


intro.markdown(describe(rows))
matrices = shared_memo("matrices", 4)  # a second visitor waits, never recomputes
result = matrices.get(config) or load_matrix(config)
BEFORE_CLASS = (" Before a class, run `make warm` on the server: it computes every preset's matrix, on the luck "
                "section's three seeds too, so the page opens at once in front of the room (settings of your own "
                "are computed here).")
if result is None:
    shape, busy = estimates.DataShape.of(dataset), busy_note()  # the load read once, not at each redraw

    def not_yet(expected: estimates.Estimate | None) -> str:
        took = here_or_measuring(expected)
        defenses = len(config.columns) - 1
        attacked = "the attacked model" if len(rows) == 1 else f"each of the {len(rows)} attacked models"
        on = f"{attacked} and on the clean one" if config.false_alarms else attacked
        runs = (len(rows) + config.false_alarms) * defenses
        return (f"Not computed yet for these settings. It trains {len(rows) + 1} models and runs "
                f"{count_of(defenses, 'defense')} on {on} ({runs} runs): {took}. The result is saved, so every later "
                "visit (by anyone on this server) opens it at once."
                + (BEFORE_CLASS if st.session_state.get("lab.audience") == "Instructor" else "") + busy)

    # a fresh server may still be timing itself: the page shows at once and the time joins it when known
    expected = lambda: estimate(shape, config, device)  # noqa: E731 - measured on the click, never on the page
    live_estimate(expected, not_yet,
                  lambda text: st.info(text, icon=":material/schedule:"))
    offer_job("Compute the matrix", "btn.matrix", "the attack x defense matrix", expected,
              lambda bar: matrix(dataset, config, device, bar), memo=matrices, memo_key=config,
              failure="The matrix could not be computed with these settings: ",
              on_done=lambda _: st.session_state.update({"matrix.computed": config.key()}),
              type="primary", icon=":material/play_arrow:")
    st.stop()
if st.session_state.get("matrix.computed") == config.key():
    st.success(f"Computed in {result.seconds / 60:.1f} minutes and saved to `{matrix_path(config).name}`: "
               "the next visit opens it at once.", icon=":material/check_circle:")

names = attack_names(config) if is_stakeholder() else None  # the scenario names the stakeholder saw
intro.markdown(describe([(names or {}).get(a) or row_title(a) for a in result.attacks]))
if is_stakeholder():
    with st.expander("The defenses, one line each"):
        said = words()
        st.markdown("\n".join(f"- **{column_title(d)}**: {said[d]['plain']}" for d in result.defenses if d != "none"))
spread = seed_spread(config, result)
left, right = st.columns(2)
left.plotly_chart(heatmap(result, "asr", "Attack success after the defense (%)", "Reds", 100, names), key="matrix.asr",
                  config=CHART_CONFIG)
left.caption("Red: the backdoor still works. Pale: the defense stopped it (0% means no triggered image got through; "
             "the reading below calls 10% or less 'stopped').")
right.plotly_chart(heatmap(result, "drop", "Clean accuracy lost vs a clean model (points)", "Blues", 10, names),
                   key="matrix.drop", config=CHART_CONFIG)
right.caption(f"What the model (and its repair) cost: points of clean accuracy lost against a model trained on clean "
              f"data ({result.baseline_clean_acc:.1%}); positive means worse, negative means slightly better. For "
              "STRIP, a clean image it turns away counts as lost.")
with st.expander("Both maps as a table (easier to read on a phone)"):
    st.dataframe(table_rows(result, names), hide_index=True,
                 column_config={"attack": st.column_config.Column(pinned=True)})  # kept in view as it scrolls
    st.caption("Each cell: attack success after the defense · points of clean accuracy lost against a clean model.")

st.subheader("What the matrix says")
st.markdown(read_matrix(result, names))

st.subheader("What each defense costs: time, and false alarms on a clean model")
st.markdown(false_alarm_reading(result))
st.markdown(costs_markdown(result))
st.caption("Time it took: the fewest and most seconds the defense took on any row, on this server (retraining after a data check "
           "included). On a clean model: the same defense run on a model trained with no poison at all.")

show_luck(config, result, spread, dataset, device, lambda a: (names or {}).get(a) or row_title(a))
show_published_beside(result, names)

st.subheader("One cell in detail")
c1, c2 = st.columns(2)
attack = c1.selectbox("Attack", result.attacks, format_func=lambda a: (names or {}).get(a) or row_title(a), key="matrix.attack")
defense = c2.selectbox("Defense", result.defenses, format_func=column_title, key="matrix.defense")
cell = result.cell(attack, defense)
row = next(r for r in result.rows if r.attack == attack)
m1, m2, m3 = st.columns(3)
m1.metric("Attack success after", f"{cell.asr:.1%}",
          **metric_delta(row.asr, cell.asr, higher_is_better=False, words=("higher", "lower")))
m1.caption(f"Before any defense: {row.asr:.1%} of triggered held-out images went where the attacker wanted.")
m2.metric("Clean accuracy after", f"{cell.clean_acc:.1%}",
          **metric_delta(result.baseline_clean_acc, cell.clean_acc,
                         words=("gained vs a clean model", "lost vs a clean model")))
m2.caption(f"On held-out test images the defense never saw; a clean model scores {result.baseline_clean_acc:.1%} there.")
m3.metric("Seconds the defense took", f"{cell.seconds:.1f}")
m3.caption(f"The attack poisoned {row.poisoned_images:,} training images ({row.poison_rate:.1%}).")
st.markdown(f"**{column_title(defense)}** on **{(names or {}).get(attack) or row_title(attack)}**: {cell.detail}.")

st.download_button("Download the matrix (CSV)", result.to_csv(), file_name=f"backdoor-matrix-{dataset.name}.csv",
                   mime="text/csv", icon=":material/download:")
st.caption(f"Computed in {result.seconds / 60:.1f} minutes in all. Every figure was measured by the code, "
           "on this server, with the settings above.")
quiz("matrix")
next_link("matrix")
