"""The backdoored and the clean model are told apart by more than colour, in colours safe for colour-blind eyes."""

import torch

from backdoor.train import EpochRecord
from ui.charts import COLOURS, probability_bars, training_curves

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


def test_the_two_models_differ_in_dash_marker_and_hatching_not_only_colour():
    history = [EpochRecord(1, 0.5, 0.9, 0.5, 1.0), EpochRecord(2, 0.3, 0.95, 0.9, 1.0)]
    fig = training_curves({"backdoored": history, "baseline": history}, epochs=2)
    styles = {(t.name, t.line.dash, t.marker.symbol) for t in fig.data}
    assert len({s[1:] for s in styles}) == 2  # two distinct (dash, marker) pairs, one per model
    bars = probability_bars({"backdoored": torch.full((10,), 0.1), "baseline": torch.full((10,), 0.1)},
                            tuple("0123456789"))
    assert {b.marker.pattern.shape for b in bars.data} == {"/", ""}
    assert set(COLOURS.values()) <= OKABE_ITO
