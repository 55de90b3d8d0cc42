"""Drawing the attack x defense matrix: heat maps, a cell's details, and its reading in words."""

from __future__ import annotations

import plotly.graph_objects as go

from typing import Callable, Mapping

from backdoor.matrix import NO_DEFENSE, STOPPED, Matrix, column_title, row_title as matrix_row_title
from ui.words import points_phrase


def _titles(names: Mapping[str, str] | None) -> Callable[[str], str]:
    """An attack row's name: from ``names`` (the stakeholder's scenario names) when given, else the matrix's."""
    return (lambda a: names.get(a) or matrix_row_title(a)) if names else matrix_row_title


def cost_range(points: list[float]) -> str:
    """What a defense cost across attacks, in points of clean accuracy lost against a clean
    model (positive = worse), in words that need no minus sign."""
    low, high = round(min(points), 1), round(max(points), 1)
    against = "of clean accuracy against a clean model"
    if abs(low) < 0.05 and abs(high) < 0.05:
        return "at no cost in clean accuracy against a clean model"
    if low >= 0:  # every attack cost something (or nothing)
        span = f"{high:.1f}" if low == high else f"up to {high:.1f}" if low < 0.05 else f"{low:.1f} to {high:.1f}"
        return f"losing {span} points {against}"
    if high <= 0:  # every attack gained something (or nothing)
        span = f"{-low:.1f}" if low == high else f"up to {-low:.1f}" if high > -0.05 else f"{-high:.1f} to {-low:.1f}"
        return f"gaining {span} points {against}"
    return f"with clean accuracy between {-low:.1f} points better and {high:.1f} points worse than a clean model"


def heatmap(matrix: Matrix, value: str, title: str, colorscale: str, zmax: float,
            names: Mapping[str, str] | None = None) -> go.Figure:
    row_title = _titles(names)
    scale = 100.0
    grid = [[v * scale for v in row] for row in matrix.grid(value)]
    text = [[f"{v:.0f}%" if value == "asr" else f"{v + 0.0:.1f}" for v in row] for row in grid]
    fig = go.Figure(go.Heatmap(
        z=grid,
        x=[column_title(d) for d in matrix.defenses],
        y=[row_title(a) for a in matrix.attacks],
        colorscale=colorscale, zmin=0, zmax=zmax,
        text=text,
        texttemplate="%{text}", hovertemplate="%{y} vs %{x}: %{text}<extra></extra>",
        colorbar=dict(title="%" if value == "asr" else "points lost"),
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=90 + 55 * len(matrix.attacks), margin=dict(l=10, r=10, t=30, b=10), title=title)
    return fig


def read_matrix(matrix: Matrix, names: Mapping[str, str] | None = None) -> str:
    """The matrix in plain words, from its own numbers (each attack by its name in ``names`` when given)."""
    row_title = _titles(names)
    defenses = [d for d in matrix.defenses if d != NO_DEFENSE]
    working = [r.attack for r in matrix.rows if r.asr >= 0.5]
    parts = [f"Without a defense, {sum(r.asr >= 0.9 for r in matrix.rows)} of the {len(matrix.rows)} attacks hijack "
             f"at least 90% of triggered images, while a clean model scores {matrix.baseline_clean_acc:.1%} on the "
             "same clean images."]
    if len(working) < len(matrix.rows):
        weak = ", ".join(row_title(r.attack) for r in matrix.rows if r.attack not in working)
        parts.append(f"{weak} did not take hold in training (under 50% success), so its row says little.")
    if not working or not defenses:
        return " ".join(parts)
    stops = {d: [a for a in working if matrix.stopped(a, d)] for d in defenses}
    unstopped = [a for a in working if not any(a in s for s in stops.values())]
    if unstopped:
        parts.append(f"No defense took **{', '.join(row_title(a) for a in unstopped)}** to {STOPPED:.0%} success "
                     "or less.")
    best = max(defenses, key=lambda d: len(stops[d]))
    drops = [round(100 * matrix.cell(a, best).drop, 1) for a in working]
    parts.append(f"Counting an attack as stopped when at most 1 triggered image in 10 still gets through, the "
                 f"defense that stopped the most is **{column_title(best)}** ({len(stops[best])} of {len(working)}: "
                 f"{', '.join(row_title(a) for a in stops[best]) or 'none'}), {cost_range(drops)}.")
    for d in defenses:
        missed = [row_title(a) for a in working if a not in stops[d]]
        if missed and len(missed) < len(working) and d != best:
            parts.append(f"{column_title(d)} missed {', '.join(missed)}.")
    for c in matrix.cells:
        row = next(r for r in matrix.rows if r.attack == c.attack)
        if c.found is not None and c.found >= 0.8 and c.attack in working and not c.low:
            missed = round(row.poisoned_images * (1 - c.found))
            parts.append(f"{column_title(c.defense)} found {c.found:.0%} of the images poisoned by {row_title(c.attack)}, "
                         f"yet the backdoor survived retraining ({c.asr:.0%}): the {missed} it missed were enough.")
    costly = max((c for c in matrix.cells if c.defense != NO_DEFENSE), key=lambda c: c.drop)
    if round(100 * costly.drop, 1) > 0:
        parts.append(f"The costliest repair was {column_title(costly.defense)} on {row_title(costly.attack)}: "
                     f"{points_phrase(round(100 * costly.drop, 1))} of clean accuracy against a clean model.")
    else:
        parts.append("No repair cost any clean accuracy against a clean model.")
    if len(stops[best]) == len(working):
        parts.append(f"Here {column_title(best)} stopped every attack that worked; try other settings before "
                     "trusting it, because each defense has a known way to fail (see the Defend page).")
    else:
        parts.append("No single defense stopped every attack: a real pipeline layers them (check the data, test "
                     "the model, monitor the inputs) because each one fails on some attack.")
    return " ".join(parts)
