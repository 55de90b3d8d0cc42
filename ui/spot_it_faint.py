"""Round 2 of "Can you spot it?": the same clean training images poisoned by an invisible attack
(Blended, WaNet, SIG: each at its defaults, seeded like the lab; one attack a round), labels hidden.

A visible patch teaches that poison shows; this round lets a student find out that it need not.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from backdoor.attacks import ATTACKS
from backdoor.datasets import Dataset
from backdoor.scenario import Scenario
from ui.alt_text import picture_alt
from ui.charts import to_display
from ui.resources import poisoned_set
from ui.spot_it import draw_round, next_round, play, round_number, score_sentence

PREFIX = "spot2"
# Round 2 draws its pictures as round 1 would in its 500th round: at the same rate and seed an attack
# poisons the same training images as the scenario's, and round 1's draw would show them again.
DRAWN_APART = 500


def faint_attacks(dataset: str) -> list[str]:
    """The invisible attacks that fit ``dataset``, in the registry's order."""
    return [name for name, spec in ATTACKS.items() if spec.invisible and spec.fits(dataset)]


def faint_scenario(scenario: Scenario, attack: str) -> Scenario:
    """``scenario``'s data and seeds, poisoned by ``attack`` at its default settings and poison rate,
    into ``scenario``'s target class (class 0 when it is all-to-all: a clean-label attack needs one)."""
    spec = ATTACKS[attack]
    target = 0 if scenario.all_to_all else scenario.target
    return replace(scenario, attack=attack, trigger=spec.config(),
                   poison=replace(scenario.poison, rate=spec.default_rate, target=target))


def _images(found: int, total: int, attack: str) -> str:
    """"2 of 3 faint Blended images" ("visible" for an attack that is not invisible)."""
    spec = ATTACKS[attack]
    return f"{found} of {total} {'faint' if spec.invisible else 'visible'} {spec.row_title} images"


def contrast(first: tuple[int, int, str] | None, found: int, total: int, attack: str) -> str:
    """Round 2's score beside round 1's (``first``: found, shown, attack; None when not played)."""
    here = _images(found, total, attack)
    if first is None:
        return f"You found {here}. Play round 1 above to compare with the scenario's own trigger."
    before = f"In round 1 you found {_images(*first)}"
    # found / total against round 1's share, cross-multiplied so that no round divides by zero
    if found * first[1] < first[0] * total:
        return f"{before}, but only {here}: a faint trigger hides where a patch cannot."
    if found == total:
        return (f"{before}, and {here}: a sharp eye, side by side with clean pictures. Among thousands of training "
                "images, nobody looks that closely.")
    return f"{before}, and {here}: neither round was easy."


def spot_it_faint(dataset: Dataset, scenario: Scenario) -> None:
    """Round 2: eight training images poisoned (or not) by this round's invisible attack."""
    attacks = faint_attacks(dataset.name)
    if not attacks:
        return
    attack = attacks[round_number(PREFIX) % len(attacks)]
    spec = ATTACKS[attack]
    faint = faint_scenario(scenario, attack)
    try:
        poisoned = poisoned_set(dataset, faint)
    except ValueError as error:  # e.g. a clean-label attack on a class too small for its rate
        st.caption(f"Round 2 cannot poison this data set with {spec.title}: {error}")
        return
    indices, truth = draw_round(poisoned, DRAWN_APART + round_number(PREFIX), faint.poison.seed)

    def picture(i: int) -> tuple[object, None, str]:
        return to_display(poisoned.x[i]), None, picture_alt(dataset.classes[int(dataset.y_train[i])],
                                                            what="a training picture")

    intro = (f"**Round 2: {spec.title}.** {spec.summary} Eight more training images; some carry this attack's "
             "trigger, at its default settings. **The labels are hidden**, since a wrong label would give a picture "
             "away: look for the trigger itself, and tick the ones you think were tampered with.")
    result = play(PREFIX, indices, truth, picture, intro, repr((dataset.name, faint.trigger, faint.poison)),
                  button="Check round 2")
    if result is None:
        return
    st.info(
        score_sentence(result, len(truth)) + contrast(st.session_state.get("spot.score"), result["found"],
                                                      len(truth), attack)
        + f" With {spec.row_title}, {poisoned.num_poisoned:,} of the {len(poisoned.y):,} training images carry the "
        "trigger.",
        icon=":material/visibility_off:",
    )
    next_round(PREFIX, "Next round 2 attack")
