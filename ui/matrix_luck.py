"""The Matrix page's luck section: the same matrix on seeds 0, 1 and 2, each cell's spread and
the verdicts that flip, or a button to compute the seeds not yet stored."""

from __future__ import annotations

from typing import Callable, Mapping

import streamlit as st

from backdoor import estimates
from backdoor.datasets import Dataset
from backdoor.matrix import Matrix, MatrixConfig, column_title, estimate
from backdoor.matrix_seeds import (SEEDS, Spread, compute_seeds, flip_sentence, luck_summary, missing_seeds,
                                   seed_config, spread_text, spreads, stored_seeds)
from ui.jobs import offer_job, shared_memo
from ui.waiting import busy_note, here


def seed_spread(config: MatrixConfig, current: Matrix) -> list[Spread] | None:
    """Every cell's spread over ``SEEDS`` when all of them are stored (the page's own matrix
    stands in for its seed), else None."""
    found = stored_seeds(config)
    for seed in SEEDS:
        if seed_config(config, seed) == config:
            found[seed] = current
    return spreads(found) if len(found) == len(SEEDS) else None


def spread_labels(spread: list[Spread] | None) -> dict[tuple[str, str], str]:
    """The heat map's second line per cell: the range of attack success over the seeds."""
    return {(s.attack, s.defense): f"seeds: {spread_text(s)}" for s in spread or []}


def show_luck(config: MatrixConfig, spread: list[Spread] | None, dataset: Dataset, device,
              attack_title: Callable[[str], str], names: Mapping[str, str] | None = None) -> None:
    seeds = ", ".join(str(s) for s in SEEDS[:-1]) + f" and {SEEDS[-1]}"
    st.subheader("Luck: the same matrix on three seeds")
    st.caption(f"A seed fixes the split of the data, which images are poisoned and the model's first weights. "
               f"Seeds {seeds} are three honest runs of the same experiment.")
    if spread is not None:
        st.markdown(luck_summary(spread) + " In the left map, each cell's second line is its attack success "
                    f"on the worst and best of seeds {seeds}.")
        for s in (s for s in spread if s.flips):
            st.markdown("- " + flip_sentence(s, attack_title, column_title))
        return
    missing = missing_seeds(config)
    with st.spinner("Timing this server..."):
        one = estimate(estimates.DataShape.of(dataset), config, device)
    expected = estimates.Estimate.of("matrix seeds", (one.signature, tuple(missing)), one.seconds * len(missing))
    st.info(f"Seeds {', '.join(map(str, missing))} are not computed yet: `make warm` computes them before class, "
            f"or compute them here ({here(expected)}). Until then the map shows this seed only." + busy_note(),
            icon=":material/casino:")
    offer_job("Compute the other seeds", "btn.matrix.seeds", "the matrix on the other seeds", expected,
              lambda bar: compute_seeds(config, device, bar, seeds=tuple(missing)),
              memo=shared_memo("matrix seeds", 4), memo_key=(config, tuple(missing)),
              failure="The other seeds could not be computed: ", icon=":material/casino:")
