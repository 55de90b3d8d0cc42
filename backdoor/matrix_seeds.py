"""Luck: the same attack x defense matrix on three seeds, and where the verdict flips.

A seed fixes the data split, which images are poisoned and the initial weights (the sidebar's
seed, ``ui.state``). Two students on neighbouring seeds can reach opposite conclusions about a
defense; this module puts the three matrices side by side so the page can show each cell's
spread (min to max) and say, in words, where "stopped" on one seed is "not stopped" on another.
``make warm`` computes the seeds (``backdoor.prepare``), so the page only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import torch

from backdoor.datasets import load_dataset
from backdoor.defenses.common import ProgressFn, no_progress
from backdoor.matrix import Matrix, MatrixConfig, NO_DEFENSE, load_matrix, matrix
from backdoor.reference import TOOK_HOLD
from backdoor.wording import and_list, short_percent

SEEDS = (0, 1, 2)


def seed_config(config: MatrixConfig, seed: int) -> MatrixConfig:
    """``config`` as a student on ``seed`` would get it: the split, the poison and the weights all move."""
    return replace(config, data_seed=seed, train=replace(config.train, seed=seed))


def stored_seeds(config: MatrixConfig) -> dict[int, Matrix]:
    """The matrices already computed for ``SEEDS`` (those missing are left out)."""
    found = {seed: load_matrix(seed_config(config, seed)) for seed in SEEDS}
    return {seed: m for seed, m in found.items() if m is not None}


def missing_seeds(config: MatrixConfig) -> list[int]:
    stored = stored_seeds(config)
    return [seed for seed in SEEDS if seed not in stored]


def compute_seeds(config: MatrixConfig, device: torch.device | str = "cpu", on_progress: ProgressFn = no_progress,
                  seeds: tuple[int, ...] = SEEDS) -> dict[int, Matrix]:
    """Every seed's matrix, from disk when stored, else computed and stored (each seed's own split)."""
    done: dict[int, Matrix] = {}
    for i, seed in enumerate(seeds):
        seeded = seed_config(config, seed)

        def report(d, t, info, i=i, seed=seed):
            on_progress(i * t + d, len(seeds) * t, f"seed {seed}: {info}")

        done[seed] = matrix(load_dataset(config.dataset, seed=seed), seeded, device, report)
    return done


@dataclass(frozen=True)
class Spread:
    """One cell over the seeds: the lowest and highest attack success and accuracy cost, on which
    seeds the defense stopped the attack (``Matrix.stopped``), and on which the attack took hold at
    all (50% or more with no defense): a defense is judged only there."""

    attack: str
    defense: str
    drop: tuple[float, float]
    stopped_on: tuple[int, ...]
    seeds: tuple[int, ...]
    asr_by_seed: tuple[float, ...]
    took_hold: tuple[int, ...]

    @property
    def asr(self) -> tuple[float, float]:
        """The lowest and highest attack success over the seeds."""
        return min(self.asr_by_seed), max(self.asr_by_seed)

    @property
    def flips(self) -> bool:
        """Stopped on some seeds and not on others where the attack took hold (a seed where the attack
        itself failed judges no defense, so it never makes a flip)."""
        return 0 < len(self.stopped_on) < len(self.took_hold)


def spreads(matrices: dict[int, Matrix]) -> list[Spread]:
    """Each cell present on every seed, over the seeds given (the first matrix's order)."""
    if not matrices:
        return []
    seeds = tuple(sorted(matrices))
    first = matrices[seeds[0]]
    found = []
    for attack in first.attacks:
        for defense in first.defenses:
            cells = [matrices[s].cell(attack, defense) for s in seeds]
            if any(c is None for c in cells):
                continue
            asrs = tuple(c.asr for c in cells)
            drops = [c.drop for c in cells]
            stopped = tuple(s for s in seeds if defense != NO_DEFENSE and matrices[s].stopped(attack, defense))
            held = tuple(s for s in seeds if _took_hold(matrices[s], attack))
            found.append(Spread(attack, defense, (min(drops), max(drops)), stopped, seeds, asrs, held))
    return found


def _took_hold(m: Matrix, attack: str) -> bool:
    """The attack worked with no defense on this matrix (as ``Matrix.stopped`` asks)."""
    before = m.cell(attack, NO_DEFENSE)
    return before is not None and before.asr >= TOOK_HOLD


def spread_text(s: Spread) -> str:
    """A cell's spread for the heat map: "0%–90%", or one figure when every seed agrees to the percent.
    An end is never rounded onto 0% or 100%: a lowest seed at 0.2% reads "<1%", not "0%" (never)."""
    low, high = (short_percent(v) for v in s.asr)
    return low if low == high else f"{low}–{high}"


def _figures(s: Spread, seeds: tuple[int, ...]) -> str:
    """Each seed's attack success, in the seeds' order: "0.2%", "57.1% and 84.0%"."""
    return and_list(tuple(f"{s.asr_by_seed[s.seeds.index(seed)]:.1%}" for seed in seeds))


def flip_sentence(s: Spread, attack_title: Callable[[str], str], defense_title: Callable[[str], str]) -> str:
    """The flip in words, every seed's own figure quoted: true whichever seeds stopped it. Seeds where
    the attack itself never took hold are named apart: there was nothing to stop."""
    others = tuple(seed for seed in s.took_hold if seed not in s.stopped_on)
    failed = tuple(seed for seed in s.seeds if seed not in s.took_hold)
    on = "seed" if len(s.stopped_on) == 1 else "seeds"
    off = "seed" if len(others) == 1 else "seeds"
    said = (f"**{defense_title(s.defense)}** against **{attack_title(s.attack)}**: stopped it on {on} "
            f"{and_list(s.stopped_on)} ({_figures(s, s.stopped_on)} of triggered images still hijacked), "
            f"but not on {off} {and_list(others)} ({_figures(s, others)})")
    if failed:
        said += f"; the attack did not take hold on {'seed' if len(failed) == 1 else 'seeds'} {and_list(failed)}"
    return said + "."


def luck_summary(spread: list[Spread]) -> str:
    """How many verdicts hold on every seed, in one sentence (true at none, some and all). A defense is
    judged only on the seeds where its attack took hold; a cell where it took hold on none is no verdict."""
    run = [s for s in spread if s.defense != NO_DEFENSE]
    if not run:
        return "No defense was run on these seeds."
    judged = [s for s in run if s.took_hold]
    if not judged:
        return "No attack took hold on any of these seeds, so no defense can be judged on them."
    flips = sum(s.flips for s in judged)
    seeds = len(judged[0].seeds)
    where = ({2: "on both seeds"}.get(seeds, f"on all {seeds} seeds") if all(len(s.took_hold) == len(s.seeds) for s in judged)
             else "on every seed where its attack took hold")
    if flips == 0:
        which = "The one verdict" if len(judged) == 1 else f"Every one of the {len(judged)} verdicts"
        return (f"{which} (stopped or not) is the same {where}: "
                "here, luck does not change the conclusion, though the figures move (the ranges above).")
    held = len(judged) - flips
    if held == 0:
        which = "The one verdict" if len(judged) == 1 else f"Every one of the {len(judged)} verdicts"
        counted = f"{which} changes with the seed (stopped on one, not on another)."
    else:
        counted = (f"{flips} of the {len(judged)} verdicts change{'s' if flips == 1 else ''} with the seed (stopped "
                   f"on one, not on another); {held} hold{'s' if held == 1 else ''} {where}.")
    return (f"{counted} Where a verdict flips, two neighbours in a workshop would reach opposite conclusions: judge a "
            "defense on more than one run.")
