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


def agree(n: int, one: str, many: str) -> str:
    """The verb (or word) that agrees with a count: agree(1, "was", "were") is "was"; 0 and 2 take "were"."""
    return one if n == 1 else many


def all_of(n: int, noun: str) -> str:
    """Every one of ``n`` things: "the attack", "both attacks", "all 6 attacks"."""
    return {1: f"the {noun}", 2: f"both {noun}s"}.get(n, f"all {n} {noun}s")


def none_of(n: int, noun: str) -> str:
    """Not one of ``n`` things: "none" (of the one), "neither attack", "none of the 6 attacks"."""
    return {1: "none", 2: f"neither {noun}"}.get(n, f"none of the {n} {noun}s")


def never_rounded(x: float, decimals: int = 1, percent: bool = True, under: str = "under", over: str = "over") -> str:
    """A fraction as shown, never rounded onto its ends: 0.0004 reads "under 0.1%" (not "0.0%"), 0.9996
    "over 99.9%" (not "100.0%"); 0 and 1 read "0.0%" and "100.0%". ``percent`` False: the fraction
    itself ("under 0.01" with two decimals), as an F1 score is shown."""
    scale, unit = (100, "%") if percent else (1, "")
    text = f"{scale * x:.{decimals}f}"
    step = 10 ** -decimals
    if x > 0 and float(text) == 0:
        return f"{under} {step:.{decimals}f}{unit}"
    if x < 1 and float(text) == scale:
        return f"{over} {scale - step:.{decimals}f}{unit}"
    return text + unit


def short_percent(x: float) -> str:
    """A fraction in whole percent for a heat-map cell: short, never rounded onto its ends ("<1%", ">99%")."""
    return never_rounded(x, decimals=0, under="<", over=">").replace(" ", "")


def whole_percent(x: float) -> str:
    """A fraction in whole percent, never rounded onto its ends: 0.996 reads "over 99%" (a model that is
    "100% sure" never doubts), 0.004 "under 1%" (not "0%", which is never); 0 and 1 read "0%" and "100%"."""
    return never_rounded(x, decimals=0)


# Why a model that only guesses has a meaningless attack success: the readings, the report and the curves' note.
ONE_ANSWER = ("a model that answers one class for everything 'succeeds' on every triggered image without having "
              "learnt any trigger")


def chance(classes: int) -> str:
    """What guessing scores among ``classes`` classes, as a share: "10%", "12.5%", "50%", "33.3%"."""
    return f"{round(100 / classes, 1):g}%"


def about(seconds: float) -> str:
    """A duration as people say it: "about 8 s", "about 25 s", "about 3.5 minutes"."""
    if seconds < 20:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90:
        return f"about {5 * round(seconds / 5)} s"
    minutes = seconds / 60
    if minutes < 10:
        return f"about {round(2 * minutes) / 2:g} minutes"
    return f"about {round(minutes)} minutes"
