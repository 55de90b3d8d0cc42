"""Drawing the attack x defense matrix: heat maps, a cell's details, and its reading in words."""

from __future__ import annotations

import plotly.graph_objects as go

from typing import Callable, Mapping

from backdoor.matrix import NO_DEFENSE, STOPPED, Matrix, column_title, row_title as matrix_row_title
from backdoor.reference import shown_percent
from ui.words import and_list, short_percent


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


def cell_percent(v: float) -> str:
    """An attack success in a heat-map cell (``v`` in percent): whole percent, short, and never rounded onto
    0% or 100% ("<1%", ">99%"), so a cell never says "stopped completely" of an attack that still works a little."""
    return short_percent(v / 100)


def heatmap(matrix: Matrix, value: str, title: str, colorscale: str, zmax: float,
            names: Mapping[str, str] | None = None) -> go.Figure:
    row_title = _titles(names)
    scale = 100.0
    grid = [[v * scale for v in row] for row in matrix.grid(value)]
    text = [[cell_percent(v) if value == "asr" else points_text(v) for v in row] for row in grid]
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


def points_text(points: float) -> str:
    """Points of clean accuracy lost, as a cell shows them: one decimal, never "-0.0"."""
    return f"{round(points, 1) + 0.0:.1f}"


def table_rows(matrix: Matrix, names: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """Both maps' cells as rows of text, one per attack, "attack success · points lost" as the maps show them:
    readable on a phone, where nine columns leave the maps' cells too narrow for their words."""
    row_title = _titles(names)
    return [{"attack": row_title(a), **{column_title(d): f"{cell_percent(100 * asr)} · {points_text(100 * lost)}"
                                        for d, asr, lost in zip(matrix.defenses, asrs, drops)}}
            for a, asrs, drops in zip(matrix.attacks, matrix.grid("asr"), matrix.grid("drop"))]


def _hijack_words(hijacking: int, total: int) -> str:
    """How many attacks work without a defense, in words true at none, one, some and all."""
    if total == 1:
        return "the attack hijacks" if hijacking else "the attack does not hijack"
    if hijacking == 0:
        return f"none of the {total} attacks hijacks"
    if hijacking == total:
        return f"all {total} attacks hijack"
    return f"{hijacking} of the {total} attacks hijack{'s' if hijacking == 1 else ''}"


def read_matrix(matrix: Matrix, names: Mapping[str, str] | None = None) -> str:
    """The matrix in plain words, from its own numbers (each attack by its name in ``names`` when given)."""
    row_title = _titles(names)
    defenses = [d for d in matrix.defenses if d != NO_DEFENSE]
    working = [r.attack for r in matrix.rows if r.asr >= 0.5]
    hijacking = sum(r.asr >= 0.9 for r in matrix.rows)
    parts = [f"Without a defense, {_hijack_words(hijacking, len(matrix.rows))} at least 90% of triggered images, "
             f"while a clean model scores {matrix.baseline_clean_acc:.1%} on the same clean images."]
    if len(working) < len(matrix.rows):
        weak = [row_title(r.attack) for r in matrix.rows if r.attack not in working]
        rows_say = "its row says" if len(weak) == 1 else "their rows say"
        parts.append(f"{and_list(weak)} did not take hold in training (under 50% success), so {rows_say} little.")
    if not working or not defenses:
        return " ".join(parts)
    stops = {d: [a for a in working if matrix.stopped(a, d)] for d in defenses}
    unstopped = [a for a in working if not any(a in s for s in stops.values())]
    if unstopped:
        parts.append(f"No defense took **{and_list([row_title(a) for a in unstopped])}** to {STOPPED:.0%} success "
                     "or less.")
    most = max(len(s) for s in stops.values())
    best = [d for d in defenses if most and len(stops[d]) == most]  # several when they tie; none when none stopped any

    def stopped_and_cost(d: str) -> str:
        drops = [round(100 * matrix.cell(a, d).drop, 1) for a in working]
        which = and_list([row_title(a) for a in stops[d]])
        return f"**{column_title(d)}** ({most} of {len(working)}: {which}), {cost_range(drops)}"

    counting = "Counting an attack as stopped when at most 1 triggered image in 10 still gets through, "
    if len(best) == 1:
        parts.append(f"{counting}the defense that stopped the most is {stopped_and_cost(best[0])}.")
    elif best:
        parts.append(f"{counting}{len(best)} defenses tie for stopping the most: "
                     f"{'; '.join(stopped_and_cost(d) for d in best)}.")
    for d in defenses:
        missed = [row_title(a) for a in working if a not in stops[d]]
        if missed and len(missed) < len(working) and d not in best:
            parts.append(f"{column_title(d)} missed {and_list(missed)}.")
    stopped_none = [column_title(d) for d in defenses if not stops[d]]
    if most and stopped_none:  # when none stopped any, the sentence on unstopped attacks has said it
        parts.append(f"{and_list(stopped_none)} stopped none of them.")
    for c in matrix.cells:
        row = next(r for r in matrix.rows if r.attack == c.attack)
        if c.found is not None and c.found >= 0.8 and c.attack in working and not c.low:
            missed = round(row.poisoned_images * (1 - c.found))
            if missed:
                parts.append(f"{column_title(c.defense)} found {row.poisoned_images - missed} of the "
                             f"{row.poisoned_images} images poisoned by {row_title(c.attack)}, yet the backdoor "
                             f"survived retraining ({shown_percent(c.asr, STOPPED)}): the {missed} it missed "
                             f"{'was' if missed == 1 else 'were'} enough.")
            else:
                parts.append(f"{column_title(c.defense)} found every image poisoned by {row_title(c.attack)}, yet the "
                             f"model retrained without them still sends {shown_percent(c.asr, STOPPED)} of triggered images where the "
                             "attacker wanted.")
    repaired = [c for c in matrix.cells if c.defense != NO_DEFENSE]
    top = max(round(100 * c.drop, 1) for c in repaired)
    if top > 0:
        costliest = [f"{column_title(c.defense)} on {row_title(c.attack)}" for c in repaired
                     if round(100 * c.drop, 1) == top]  # every repair tied at the top
        were = "was" if len(costliest) == 1 else "were"  # repairs and monitors alike: no noun names both
        each = "" if len(costliest) == 1 else "each "
        parts.append(f"The costliest {were} {and_list(costliest)}: {each}{top:.1f} points of clean accuracy lost "
                     "against a clean model.")
    else:
        parts.append("None of the defenses cost any clean accuracy against a clean model.")
    if most == len(working):
        who = and_list([column_title(d) for d in best])
        parts.append(f"Here {who} {'each ' if len(best) > 1 else ''}stopped every attack that worked; try other "
                     f"settings before trusting {'them' if len(best) > 1 else 'it'}, because each defense has a known "
                     "way to fail (see the Defend page).")
    else:
        parts.append("No single defense stopped every attack: a real pipeline layers them (check the data, test "
                     "the model, monitor the inputs) because each one fails on some attack.")
    return " ".join(parts)
