"""Wording the library's own sentences share with the pages (``ui.words`` re-exports it): pure
functions, so a sentence built from them is tested at its edges."""

from __future__ import annotations


def and_list(names) -> str:
    """"A", "A and B", "A, B and C"; "" for none."""
    names = [str(n) for n in names]
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """"1 submission", "0 submissions", "3 submissions"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
