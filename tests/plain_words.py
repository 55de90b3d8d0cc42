"""Jargon left unexplained: the terms of lessons/plain_terms.toml, checked against a page's text.

A term counts as explained when one of its plain phrases appears near its *first* use on the page:
anywhere in the sentence where it first appears, or in the ``REACH`` characters after it (about the
next sentence: room for a gloss in brackets, a table row's "what it means" cell, a metric's help,
or a heading followed by the paragraph under it). Later uses need nothing more.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

TERMS_FILE = Path(__file__).resolve().parent.parent / "lessons" / "plain_terms.toml"
REACH = 250  # characters after a term's first use within which its explanation must lie

# A sentence ends at a line break, or at . ! ? followed by a space ("97.2%" does not end one).
_SENTENCE_END = re.compile(r"\n|(?<=[.!?])[ \t]+")
# Markdown and Streamlit markup a reader never sees: emphasis, code, icons, coloured text.
_MARKUP = re.compile(r"\*+|`|:material/[a-z_]+:|:[a-z]+(?:-background)?\[|(?<=\S)\](?!\()")


@dataclass(frozen=True)
class Term:
    name: str
    pattern: re.Pattern[str]
    explained_by: tuple[str, ...]


@dataclass(frozen=True)
class Unexplained:
    term: str
    sentence: str  # the sentence of its first use, as shown


def load_terms(path: Path = TERMS_FILE) -> list[Term]:
    with open(path, "rb") as f:
        table = tomllib.load(f)
    return [Term(name, re.compile(entry["pattern"], re.IGNORECASE), tuple(entry["explained_by"]))
            for name, entry in table.items()]


def _squeeze(text: str) -> str:
    return " ".join(text.split()).lower()


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence holding ``text[start:end]`` begins and ends."""
    begin, stop = 0, len(text)
    for mark in _SENTENCE_END.finditer(text):
        if mark.end() <= start:
            begin = mark.end()
        elif mark.start() >= end:
            stop = mark.start()
            break
    return begin, stop


def unexplained(text: str, terms: list[Term], reach: int = REACH) -> list[Unexplained]:
    """The terms used in ``text`` whose first use has none of its plain phrases near it, in the
    order of ``terms``."""
    text = _MARKUP.sub("", text)
    found = []
    for term in terms:
        first = term.pattern.search(text)
        if first is None:
            continue
        begin, stop = _sentence_around(text, first.start(), first.end())
        near = _squeeze(text[begin:max(stop, first.end() + reach)])
        if not any(_squeeze(phrase) in near for phrase in term.explained_by):
            found.append(Unexplained(term.name, " ".join(text[begin:stop].split())))
    return found
