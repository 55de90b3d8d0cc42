"""Drawing the attack x defense matrix: heat maps, a cell's details, and its reading in words."""

from __future__ import annotations

import plotly.graph_objects as go

from backdoor.matrix import ROWS, Matrix, column_title


def heatmap(matrix: Matrix, value: str, title: str, colorscale: str, zmax: float) -> go.Figure:
    scale = 100.0
    grid = [[v * scale for v in row] for row in matrix.grid(value)]
    fig = go.Figure(go.Heatmap(
        z=grid,
        x=[column_title(d) for d in matrix.defenses],
        y=[ROWS[a].title for a in matrix.attacks],
        colorscale=colorscale, zmin=0, zmax=zmax,
        text=[[f"{v:.0f}%" if value == "asr" else f"{v:+.1f}" for v in row] for row in grid],
        texttemplate="%{text}", hovertemplate="%{y} vs %{x}: %{text}<extra></extra>",
        colorbar=dict(title=title),
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=90 + 55 * len(matrix.attacks), margin=dict(l=10, r=10, t=30, b=10), title=title)
    return fig


def read_matrix(matrix: Matrix) -> str:
    """The matrix in plain words, from its own numbers."""
    defenses = [d for d in matrix.defenses if d != "none"]
    parts = []
    worked = {a: [d for d in defenses if matrix.cell(a, d) and matrix.cell(a, d).caught] for a in matrix.attacks}
    untouched = [a for a, ds in worked.items() if not ds]
    strong = [(a, r.asr) for a in matrix.attacks for r in matrix.rows if r.attack == a]
    planted = sum(1 for _, asr in strong if asr >= 0.9)
    parts.append(f"Without a defense, {planted} of the {len(strong)} attacks hijack at least 90% of triggered images, "
                 f"while the models stay within a couple of points of a clean model's accuracy "
                 f"({matrix.baseline_clean_acc:.1%}).")
    if untouched:
        names = ", ".join(ROWS[a].title for a in untouched)
        parts.append(f"No defense brought **{names}** below 20% success.")
    best = max(defenses, key=lambda d: sum(1 for a in matrix.attacks if matrix.cell(a, d) and matrix.cell(a, d).caught))
    caught = [ROWS[a].title for a in matrix.attacks if matrix.cell(a, best).caught]
    parts.append(f"The defense that stopped the most attacks is **{column_title(best)}** "
                 f"({len(caught)} of {len(matrix.attacks)}: {', '.join(caught) or 'none'}).")
    for d in defenses:
        missed = [ROWS[a].title for a in matrix.attacks if matrix.cell(a, d) and not matrix.cell(a, d).caught]
        if missed and len(missed) < len(matrix.attacks):
            parts.append(f"{column_title(d)} missed {', '.join(missed)}.")
    costly = max((c for c in matrix.cells if c.defense != "none"), key=lambda c: c.drop)
    parts.append(f"The costliest repair was {column_title(costly.defense)} on {ROWS[costly.attack].title}: "
                 f"{100 * costly.drop:.1f} points of clean accuracy below a clean model.")
    parts.append("No single column is all green: a real pipeline layers defenses (check the data, test the "
                 "model, monitor the inputs) because each one fails on some attack.")
    return " ".join(parts)
