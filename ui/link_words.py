"""What the lab says when a link asks for a setting it does not offer (ui/url_state.py opens that
setting on its usual value): which setting, what the link asked, why it could not be used and what
is used instead, so a student who edited an address, or was sent a mangled one, knows what changed.

Pure functions (no Streamlit), so every sentence is tested at its edges.
"""

from __future__ import annotations

from dataclasses import dataclass

LONGEST = 24  # characters of a link's value quoted back; the rest is cut ("…")


@dataclass(frozen=True)
class Unused:
    """One setting of a link that the lab did not use."""

    label: str  # the setting as its widget names it: "Poison rate (%)"
    asked: str  # what the link carried, as text
    why: str  # why it could not be used, ending without a full stop: "the lab offers 0 to 50"
    used: str  # what the lab uses instead, as the widget shows it: "10"


def quoted(text: str) -> str:
    """A link's value as inline code: never read as Markdown, links or HTML, and never longer than a line."""
    text = " ".join(text.split()).replace("`", "'")
    if len(text) > LONGEST:
        text = text[: LONGEST - 1] + "…"
    return f"`{text}`" if text else "nothing"


def number(value: float) -> str:
    """A setting's number as a widget shows it: 10.0 -> "10", 0.15 -> "0.15", 1e-3 -> "0.001"."""
    return f"{value:g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.6f}".rstrip("0")


def unused_notice(unused: list[Unused]) -> str:
    """Markdown for the note above the page ("" when the link was used as it was)."""
    if not unused:
        return ""
    lines = [f"- **{u.label}**: the link asked for {quoted(u.asked)}, but {u.why}; the lab uses **{u.used}**."
             for u in unused]
    head = ("This link carries a setting the lab does not offer, so that setting opens on its usual value."
            if len(unused) == 1 else
            f"This link carries {len(unused)} settings the lab does not offer, so they open on their usual values.")
    return head + " Everything else in the link is kept.\n\n" + "\n".join(lines)
