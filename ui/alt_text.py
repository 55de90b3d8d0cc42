"""What each picture shows, in words, for a screen reader (``st.image(..., alt=...)``)."""

from __future__ import annotations


def picture_alt(label: str, trigger: str | None = None, labelled: str | None = None, what: str = "picture") -> str:
    """ "picture of '7' with the BadNets (visible patch) trigger, labelled '0'" (each part when given)."""
    words = f"{what} of '{label}'"
    if trigger:
        words += f" with the {trigger} trigger"
    if labelled is not None:
        words += f", labelled '{labelled}'"
    return words


def heat_alt(what: str) -> str:
    """An attribution map laid over a picture."""
    return f"{what}, with the model's attribution map over it: the brighter a place, the more it swayed the answer"
