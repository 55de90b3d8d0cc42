"""The matrix's axes: its rows (attacks, from the attack registry) and columns (no defense, then
every repairing defense, from the defense registry)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from backdoor.attacks import ALL_TO_ALL, ALL_TO_ALL_RATE, ATTACKS
from backdoor.defenses.registry import DEFENSES
from backdoor.scenario import Scenario


@dataclass(frozen=True)
class Row:
    """One attack as a row of the matrix."""

    name: str
    title: str
    attack: str  # a name in ATTACKS, at its default settings and poison rate
    all_to_all: bool = False

    def fits(self, dataset: str) -> bool:
        return ATTACKS[self.attack].fits(dataset)

    def scenario(self, base: Scenario) -> Scenario:
        spec = ATTACKS[self.attack]
        target = ALL_TO_ALL if self.all_to_all else base.poison.target
        rate = ALL_TO_ALL_RATE if self.all_to_all else spec.default_rate
        return replace(base, attack=self.attack, trigger=spec.config(),
                       poison=replace(base.poison, rate=rate, target=target))


def matrix_rows() -> dict[str, Row]:
    """Every registered attack that asks for a row (and all-to-all as a second row where its spec asks for one)."""
    found: dict[str, Row] = {}
    for spec in (s for s in ATTACKS.fitting("image").values() if s.matrix_row):
        found[spec.name] = Row(spec.name, spec.row_title, spec.name)
        if spec.all_to_all_row:
            found[f"{spec.name}-all-to-all"] = Row(f"{spec.name}-all-to-all", f"{spec.row_title} all-to-all",
                                                   spec.name, all_to_all=True)
    return found


NO_DEFENSE = "none"
CLEAN = "clean"  # the attack name of the false-alarm cells: the clean model, nothing poisoned


def matrix_columns() -> tuple[str, ...]:
    """No defense, then every registered defense that repairs (a study such as compression is no column)."""
    return (NO_DEFENSE, *(name for name, d in DEFENSES.fitting("image").items() if d.repairs))


def row_title(name: str) -> str:
    return matrix_rows()[name].title


def column_title(name: str) -> str:
    return "No defense" if name == NO_DEFENSE else DEFENSES[name].title
