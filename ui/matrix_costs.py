"""What each defense costs beside what it catches: its seconds, and its false alarms on a model
with no backdoor (what it flags, what its repair costs, the honest requests it refuses)."""

from __future__ import annotations

from backdoor.matrix import NO_DEFENSE, Cell, Matrix, column_title
from ui.words import and_list, points_phrase


def seconds_words(low: float, high: float) -> str:
    """A defense's time over the rows, to the second: "2 s", "5-18 s", "up to 3 s", "under 1 s"."""
    if low != low or high != high:  # NaN: no cell of it
        return "not measured"
    lo, hi = round(low), round(high)
    if hi < 1:
        return "under 1 s"
    if lo < 1:
        return f"up to {hi} s"
    return f"{hi} s" if lo == hi else f"{lo}-{hi} s"


def alarm_words(cell: Cell) -> str:
    """What ``cell`` (a defense on the clean model) did, in a phrase that is true for every value."""
    parts = []
    if cell.flagged is not None:
        parts.append("flagged no training image" if cell.flagged == 0 else
                     f"flagged {cell.flagged:,} honest training image{'s' if cell.flagged != 1 else ''}")
    if cell.refused > 0:
        parts.append(f"refuses {cell.refused:.1%} of honest requests")
    lost = round(100 * cell.drop, 1)
    if abs(lost) < 0.05:
        parts.append("its result scores the same as the clean model")
    else:
        parts.append(f"its result scores {points_phrase(lost).replace(' lost', ' lower').replace(' gained', ' higher')} "
                     "than the clean model")
    return "; ".join(parts)


def costs_table(matrix: Matrix) -> list[dict[str, str]]:
    """One line per defense: its seconds over the rows and its false alarm on the clean model."""
    lines = []
    for d in (d for d in matrix.defenses if d != NO_DEFENSE):
        cell = matrix.false_alarm(d)
        lines.append({
            "Defense": column_title(d),
            "Seconds": seconds_words(*matrix.seconds_range(d)),
            "On a clean model": alarm_words(cell) if cell else "not measured",
        })
    return lines


NBSP = "\u00a0"
NB_HYPHEN = "\u2011"  # a hyphen that does not break a line


def _unbroken(words: str) -> str:
    return words.replace(" ", NBSP).replace("-", NB_HYPHEN)


def costs_markdown(matrix: Matrix) -> str:
    """``costs_table`` as a two-column markdown table, which wraps on a phone instead of cutting words off.
    The time sits beside the defense's name: a column of its own is so narrow on a phone that "14-16 s"
    broke over two lines, and its heading mid-word."""
    # a no-break space and hyphen keep "5-7 s" whole when the name wraps (a phone broke it after "5-")
    lines = [f"| {line['Defense']}, {_unbroken(line['Seconds'])} | {line['On a clean model']} |"
             for line in costs_table(matrix)]
    return "\n".join(["| Defense, time it took | On a model with no backdoor |", "|---|---|", *lines])


def false_alarm_reading(matrix: Matrix) -> str:
    """The false alarms in plain words, from the matrix's own numbers."""
    measured = [c for c in matrix.false_alarms if c.defense in matrix.defenses]
    if not measured:
        return "This matrix was computed without running the defenses on a clean model."
    costly = [c for c in measured if round(100 * c.drop, 1) >= 0.05 or c.refused > 0 or c.flagged]
    parts = [f"A defender cannot know there is no backdoor, so each defense also ran on the clean model "
             f"({matrix.baseline_clean_acc:.1%} on the held-out images)."]
    if not costly:
        parts.append("None of them flagged, refused or cost anything there.")
    else:
        worst = max(measured, key=lambda c: c.drop)
        which = (f"Every one of the {len(measured)}" if len(costly) == len(measured) > 1 else
                 "It" if len(measured) == 1 else f"{len(costly)} of the {len(measured)}")
        parts.append(f"{which} still did something there, for nothing.")
        if round(100 * worst.drop, 1) >= 0.05:
            tied = [column_title(c.defense) for c in measured
                    if c is not worst and round(100 * c.drop, 1) == round(100 * worst.drop, 1)]
            also = f" (tied with {and_list(tied)})" if tied else ""
            parts.append(f"The costliest{also} was {column_title(worst.defense)}: it {worst.detail}; "
                         f"{alarm_words(worst)}.")
    refusers = [c for c in measured if c.refused > 0]
    if refusers:
        parts.append("A monitor that refuses honest requests charges that on every day of service, attack or not: "
                     + and_list([f"{column_title(c.defense)} {c.refused:.1%}" for c in refusers]) + ".")
    return " ".join(parts)
