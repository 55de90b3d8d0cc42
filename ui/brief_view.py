"""Gathering the board brief: the sector, the scenario, the evidence and the numbers this session saw."""

from __future__ import annotations

import tomllib
from functools import lru_cache

import streamlit as st

from backdoor.brief import Brief, Step, render_brief
from backdoor.controls import Control
from backdoor.datasets import Dataset
from backdoor.metrics import Evaluation
from backdoor.presets import scenario_title
from backdoor.report import findings
from backdoor.scenario import Scenario
from backdoor.sectors import Sector
from ui.lessons import LESSONS
from ui.resources import poisoned_set
from ui.training import cached_models, model_figures
from ui.words import and_list, count_of


@lru_cache(maxsize=4)
def _words(name: str) -> dict:
    """A lesson file, read once per server (the words do not change while it runs)."""
    with open(LESSONS / name, "rb") as f:
        return tomllib.load(f)


def matrix_line(table: list[Control]) -> str:
    """The matrix in one sentence, from the controls measured on it."""
    repairs = [c for c in table if c.key != "none"]
    attacks = table[0].attacks if table else 0
    if not repairs or attacks == 0:
        return "The attack x defense matrix had no attack that took hold, so it ranks no control."
    best = max(len(c.catches) for c in repairs)
    leaders = [c.action[0].lower() + c.action[1:] for c in repairs if len(c.catches) == best]
    each = "" if len(leaders) == 1 else "each "  # tied leaders may have stopped different attacks: never "together"
    if best == attacks:
        verdict = f"{and_list(leaders)} {each}stopped {({1: 'it', 2: 'both'}).get(attacks, f'all {attacks}')}"
    elif best == 0:
        verdict = {(True, True): "it did not stop it", (True, False): "it stopped none of them",
                   (False, True): "none of them stopped it"}.get((len(repairs) == 1, attacks == 1),
                                                                 "none of them stopped any")
    else:
        verdict = f"the best, {and_list(leaders)}, {each}stopped {best} of them"
    were = "was" if len(repairs) == 1 else "were"
    return (f"{count_of(len(repairs), 'published defense')} {were} run against "
            f"{count_of(attacks, 'attack')} that worked: {verdict}.")


def seen(dataset: Dataset, scenario: Scenario, device, table: list[Control] | None) -> tuple[str, ...]:
    """The numbers this session saw, each a sentence: the models (when trained), the matrix, the drill."""
    lines = []
    models = cached_models(dataset, scenario, device)
    if len(models) == 2:
        figures = model_figures(dataset, scenario, device, models)
        bd, base = (Evaluation(figures[k]["clean_acc"], figures[k]["asr"]) for k in ("backdoored", "baseline"))
        lines.append(findings(bd, base, poisoned_set(dataset, scenario).num_poisoned > 0, dataset.num_classes))  # the count, not the rate
    if table:
        lines.append(matrix_line(table))
    drill = st.session_state.get("drill.summary")
    if drill and drill[0] == repr(scenario):
        lines.append("In the incident drill: " + drill[1])
    return tuple(lines)


def board_brief(sector: Sector, dataset: Dataset, scenario: Scenario, device,
                evidence: tuple[list[Control], list[str]] | None) -> tuple[str, tuple[str, ...]]:
    """The brief as HTML, and the numbers from this session it quotes (for the page to show)."""
    table, advice = evidence if evidence is not None else ([], [])
    playbook = tuple(Step(p["step"], p["who"], p["what"]) for p in _words("drill.toml")["playbook"])
    lines = seen(dataset, scenario, device, table)
    return render_brief(Brief(sector, scenario_title(scenario), _words("govern.toml")["summary"],
                              lines, playbook, tuple(table), tuple(advice))), lines
