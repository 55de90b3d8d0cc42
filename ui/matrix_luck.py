"""The Matrix page's luck section: the same matrix on seeds 0, 1 and 2, each cell's spread and
the verdicts that flip, or a button to compute the seeds not yet stored."""

from __future__ import annotations

import math
from typing import Callable

import plotly.graph_objects as go
import streamlit as st

from backdoor import estimates
from backdoor.datasets import Dataset
from backdoor.matrix import Matrix, MatrixConfig, column_title, estimate
from backdoor.matrix_seeds import (SEEDS, Spread, compute_seeds, flip_sentence, luck_summary, missing_seeds,
                                   seed_config, spread_text, spreads, stored_seeds)
from backdoor.reference import TOOK_HOLD
from ui.charts import CHART_CONFIG
from ui.jobs import offer_job, shared_memo
from ui.waiting import busy_note, here_or_measuring, live_estimate
from ui.words import and_list


def seed_spread(config: MatrixConfig, current: Matrix) -> list[Spread] | None:
    """Every cell's spread over ``SEEDS`` when all of them are stored (the page's own matrix
    stands in for its seed), else None."""
    found = stored_seeds(config)
    for seed in SEEDS:
        if seed_config(config, seed) == config:
            found[seed] = current
    return spreads(found) if len(found) == len(SEEDS) else None


def _grid(spread: list[Spread], attacks: list[str], defenses: list[str]) -> list[list[Spread | None]]:
    """The spreads laid out one row per attack, one column per defense (None where none was measured)."""
    found = {(s.attack, s.defense): s for s in spread}
    return [[found.get((a, d)) for d in defenses] for a in attacks]


def _cell(s: Spread | None, flips: str) -> str:
    """A cell's range, and ``flips`` after it when the verdict changes with the seed."""
    return "" if s is None else spread_text(s) + (flips if s.flips else "")


def luck_heatmap(spread: list[Spread], attacks: list[str], defenses: list[str],
                 attack_title: Callable[[str], str]) -> go.Figure:
    """Each cell's range of attack success over the seeds (its text), coloured by how far apart the
    seeds are; a cell whose verdict flips says so."""
    cells = _grid(spread, attacks, defenses)
    fig = go.Figure(go.Heatmap(
        z=[[100 * (s.asr[1] - s.asr[0]) if s else math.nan for s in row] for row in cells],
        x=[column_title(d) for d in defenses], y=[attack_title(a) for a in attacks],
        text=[[_cell(s, "<br>flips") for s in row] for row in cells],
        texttemplate="%{text}", hovertemplate="%{y} vs %{x}: %{text}<extra></extra>",
        colorscale="Purples", zmin=0, zmax=100, colorbar=dict(title="points apart"),
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=90 + 55 * len(attacks), margin=dict(l=10, r=10, t=30, b=10),
                      title="Over the seeds: lowest to highest (%)")
    return fig


def luck_rows(spread: list[Spread], attacks: list[str], defenses: list[str],
              attack_title: Callable[[str], str]) -> list[dict[str, str]]:
    """The heat map's cells as rows of text, one per attack: readable on a phone, where the map's
    nine columns leave its cells too narrow for their words."""
    return [{"attack": attack_title(a), **{column_title(d): _cell(s, " (flips)") for d, s in zip(defenses, row)}}
            for a, row in zip(attacks, _grid(spread, attacks, defenses))]


def show_luck(config: MatrixConfig, result: Matrix, spread: list[Spread] | None, dataset: Dataset, device,
              attack_title: Callable[[str], str]) -> None:
    seeds = and_list(SEEDS)
    st.subheader("Luck: the same matrix on three seeds")
    st.caption(f"A seed is the starting number behind every random choice: the split of the data, which images are "
               "poisoned and the model's first weights. "
               f"Seeds {seeds} are three honest runs of the same experiment.")
    if spread is not None:
        st.markdown(luck_summary(spread))
        st.plotly_chart(luck_heatmap(spread, result.attacks, result.defenses, attack_title), key="matrix.luck",
                        config=CHART_CONFIG)
        with st.expander("The same ranges as a table (easier to read on a phone)"):
            st.dataframe(luck_rows(spread, result.attacks, result.defenses, attack_title), hide_index=True,
                         column_config={"attack": st.column_config.Column(pinned=True)})  # kept in view as it scrolls
        st.caption(f"Each cell: the lowest and highest attack success over seeds {seeds}. Dark: the seeds are far "
                   "apart. 'flips': the defense stopped the attack (10% or less) on some seeds and not on others; a seed "
                   f"where the attack itself did not take hold (under {TOOK_HOLD:.0%} with no defense) judges no defense, so it "
                   "never makes a flip.")
        for s in (s for s in spread if s.flips):
            st.markdown("- " + flip_sentence(s, attack_title, column_title))
        return
    missing = missing_seeds(config)
    shape, busy = estimates.DataShape.of(dataset), busy_note()  # the load read once, not at each redraw

    def expected() -> estimates.Estimate:
        # a seed not computed yet has no stored models either: estimate one of them, training included
        one = estimate(shape, seed_config(config, missing[0]), device)
        return estimates.Estimate.of("matrix seeds", (one.signature, tuple(missing)), one.seconds * len(missing))

    def words(known: estimates.Estimate | None) -> str:
        took = here_or_measuring(known)
        seeds, them = (f"Seed {missing[0]} is", "it") if len(missing) == 1 else (f"Seeds {and_list(missing)} are", "them")
        return (f"{seeds} not computed yet: `make warm` computes {them} before class, "
                f"or compute {them} here ({took}). Until then, the maps above are one seed's only." + busy)

    # a fresh server may still be timing itself: the rest of the page never waits for it
    live_estimate(expected, words, lambda text: st.info(text, icon=":material/casino:"))
    offer_job("Compute the other seeds", "btn.matrix.seeds", "the matrix on the other seeds", expected,
              lambda bar: compute_seeds(config, device, bar, seeds=tuple(missing)),
              memo=shared_memo("matrix seeds", 4), memo_key=(config, tuple(missing)),
              failure="The other seeds could not be computed: ", icon=":material/casino:")
