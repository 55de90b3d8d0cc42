"""Small pieces of wording shared by the pages: a class name with its article, a model's or
data set's title instead of its id, a change in points with one sign convention.

Pure functions (no Streamlit), so every sentence built from them is tested at its edges.
"""

from __future__ import annotations

import re

# the pages' and the library's sentences share them
from backdoor.wording import (  # noqa: F401
    ONE_ANSWER, agree, and_list, chance, count_of, never_rounded, short_percent, whole_percent,
)


def _number_starts_with_a_vowel(digits: str) -> bool:
    # read aloud: an 8, an 80, an 800 ("eight..."), an 11, an 18, an 11,000; but a 110 ("one hundred...")
    return digits.startswith("8") or digits in ("11", "18") or (len(digits) == 5 and digits[:2] in ("11", "18"))


def article(name: str) -> str:
    """A class name in quotes with its indefinite article: "a '3'", "an '8'", "an 'airplane'"."""
    spoken = name.strip().lower()
    vowel = _number_starts_with_a_vowel(spoken) if spoken.isdigit() else spoken[:1] in "aeio"
    if spoken.startswith(("one", "eu")):  # "a one-way sign", "a euro" ("u" never counts: "a unicycle")
        vowel = False
    return f"{'an' if vowel else 'a'} '{name}'"


def class_list(classes, indices) -> str:
    """The named classes in quotes, joined as read aloud: "'0'", "'0' and '7'", "'0', '3' and '7'";
    "" for none, so a caller says what none means ("none", "no class")."""
    return and_list([f"'{classes[int(c)]}'" for c in indices])


def percent(x: float) -> str:
    """A fraction as the panels print it: 0.9721 -> "97.2%"; never "0.0%" for a share that is not
    zero, nor "100.0%" for one that is not all ("under 0.1%", "over 99.9%")."""
    return never_rounded(x)


def in_store(n: int) -> str:
    """ "1 is in the model store already", "3 are ...": models a job loads instead of training."""
    return f"{n:,} {agree(n, 'is', 'are')} in the model store already"


def share(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage that never reads 0.0% for a part that is not zero."""
    if whole <= 0:
        return "0%"
    pct = 100 * part / whole
    if 0 < pct < 0.05:
        return "under 0.1%"
    return f"{pct:.1f}%"


def points_lost(before: float, after: float) -> float:
    """Points of accuracy lost going from ``before`` to ``after`` (fractions): positive means worse."""
    return round(100 * (before - after), 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def points_phrase(lost: float) -> str:
    """A loss in points in words: "1.4 points lost", "0.6 points gained", "no change"."""
    if abs(lost) < 0.05:
        return "no change"
    return f"{abs(lost):.1f} points {'lost' if lost > 0 else 'gained'}"


def metric_delta(before: float, after: float, higher_is_better: bool = True,
                 words: tuple[str, str] = ("gained", "lost")) -> dict:
    """Keyword arguments for ``st.metric`` showing the change from ``before`` to ``after``
    (fractions) in points, in words that need no sign: "1.4 points lost" with a red arrow
    down, "0.6 points gained" with a green arrow up. It is red only when it is worse, and
    no change shows no arrow at all. ``words`` name a rise and a fall ("higher", "lower")."""
    change = round(100 * (after - before), 1)
    if abs(change) < 0.05:
        return {"delta": None}
    better = (change > 0) == higher_is_better
    return {"delta": f"{abs(change):.1f} points {words[0] if change > 0 else words[1]}",
            "delta_color": "green" if better else "red", "delta_arrow": "up" if change > 0 else "down"}


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, 101st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_MARKDOWN = set("\\`*_{}[]()#+-.!|<>~$:")
# Streamlit's Markdown turns a bare web or mail address into a link, escaped or not; an invisible word joiner
# inside the address stops it.
_AUTOLINK = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?=@)")
JOINER = "\u2060"


def plain(text: str) -> str:
    """Text someone typed (a nickname, a class name, a file's name), escaped so Streamlit's Markdown (and
    st.table's cells) shows it as typed: never bold, a link, an image, a heading or a formula."""
    return "".join("\\" + c if c in _MARKDOWN else c for c in _AUTOLINK.sub(JOINER, str(text)))
