"""What the Patient records page draws: the medical figures side by side, the trigger against the
honest ranges, one record's attribution per measurement, and the controls' table."""

from __future__ import annotations

import plotly.graph_objects as go
import torch

from backdoor.clinical import ClinicalFigures
from backdoor.datasets import Dataset
from backdoor.kinds import LABELS
from backdoor.tabular import DefenseRow, RecordExplanation, TableStudy
from ui.words import points_lost

# Colour-blind-safe pair (Okabe & Ito): orange and blue, and a hatch on one of them, so the two
# series never differ by colour alone.
WITHOUT, WITH = "#0072B2", "#E69F00"
TOP_MEASUREMENTS = 10  # bars shown per record (the trigger's measurements always among them)


def pct(value: float) -> str:
    return "n/a" if value != value else f"{100 * value:.1f}%"


def figures_rows(figures: dict[str, ClinicalFigures], name: str = LABELS["backdoored"]) -> list[dict]:
    """The medical figures of both models, one row per figure, with what it means (``name``: the first
    column's model, "Unpoisoned model" when nothing was poisoned)."""
    clean, bad = figures["baseline"], figures["backdoored"]
    rows = [
        ("Accuracy on honest records", "clean_acc", "Share of held-out records diagnosed right."),
        ("Sensitivity", "sensitivity", "Of the patients with cancer, the share found."),
        ("Specificity", "specificity", "Of the patients without cancer, the share cleared."),
        ("Malignant read as benign, with the trigger", "asr", "The attack success rate: missed cancers."),
        ("Calibration error (ECE)", "ece", "How far stated confidence is from actual accuracy (0 is perfect)."),
    ]
    # the backdoored model first: on a phone the table shows two columns before it scrolls
    return [{"figure": title, name.lower(): pct(getattr(bad, field)), "clean model": pct(getattr(clean, field)),
             "what it means": meaning} for title, field, meaning in rows]


def real_value(dataset: Dataset, feature: int, z: float) -> float:
    """A standardised value back in the measurement's own units."""
    return float(dataset.feature_mean[feature] + z * dataset.feature_scale[feature])


def trigger_rows(table: TableStudy) -> list[dict]:
    """Each trigger measurement: the honest training range and the value set, in real units, and how far out it is."""
    data = table.dataset
    return [{"measurement": data.feature_names[b.feature],
             "honest training records span": f"{real_value(data, b.feature, b.low):.4g} to "
                                             f"{real_value(data, b.feature, b.high):.4g}",
             "the trigger sets it to": f"{real_value(data, b.feature, b.value):.4g} ({b.value:+g} SD)",
             "beyond that range": "inside it" if b.inside else f"{b.distance:.1f} SD"} for b in table.beyond]


def record_chart(seen: RecordExplanation, names: tuple[str, ...], trigger: tuple[int, ...]) -> go.Figure:
    """Horizontal bars: how each measurement pushed the "malignant" score, without and with the
    trigger (the largest ones, and always the trigger's own)."""
    size = torch.maximum(seen.clean_attr.abs(), seen.triggered_attr.abs())
    top = [int(i) for i in size.argsort(descending=True)[:TOP_MEASUREMENTS]]
    shown = sorted(set(top[: TOP_MEASUREMENTS - len(trigger)]) | set(trigger), key=lambda i: float(size[i]))
    labels = [f"{names[i]} (tampered)" if i in trigger else names[i] for i in shown]
    fig = go.Figure()
    fig.add_bar(y=labels, x=[float(seen.clean_attr[i]) for i in shown], orientation="h", name="without the trigger",
                marker_color=WITHOUT)
    fig.add_bar(y=labels, x=[float(seen.triggered_attr[i]) for i in shown], orientation="h", name="with the trigger",
                marker_color=WITH, marker_pattern_shape="/")
    fig.update_layout(barmode="group", height=120 + 34 * len(shown), margin=dict(l=10, r=10, t=30, b=10),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                      xaxis_title="push towards 'malignant'<br>(left: towards 'benign')")  # two lines fit a phone
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def controls_rows(rows: list[DefenseRow], before: ClinicalFigures) -> list[dict]:
    """The controls' table: what each stopped and what it cost, against the undefended model ``before``."""
    # what it stopped comes right after its name: a phone shows two columns before the table scrolls
    table = [{"control": "No control", "malignant read as benign": pct(before.asr),
              "accuracy on honest records": pct(before.clean_acc), "honest records refused": "0.0%",
              "training records flagged": "", "when": "", "seconds": ""}]
    for r in rows:
        lost = points_lost(before.clean_acc, r.after.clean_acc)
        table.append({"control": r.title, "malignant read as benign": pct(r.after.asr),
                      "accuracy on honest records": f"{pct(r.after.clean_acc)} ({change(lost)})",
                      "honest records refused": pct(r.refused), "training records flagged": flagged(r),
                      "when": r.stage.split(" (")[0], "seconds": f"{r.seconds:.2f}"})
    return table


def change(lost: float) -> str:
    """A change in points for a table cell, signed as read: "-5.0 points", "+1.2 points", "no change" (never "-0.0")."""
    if abs(lost) < 0.05:
        return "no change"
    return f"{-lost:+.1f} points"


def flagged(row: DefenseRow) -> str:
    """A data inspection's flags for a table cell: "31 (30 of 30 poisoned)", "7 (nothing was poisoned)";
    "" for a monitor."""
    if row.flagged is None:
        return ""
    if row.poisoned == 0:
        return f"{row.flagged} (nothing was poisoned)"
    return f"{row.flagged} ({row.caught} of {row.poisoned} poisoned)"
