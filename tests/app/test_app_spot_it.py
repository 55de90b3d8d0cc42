"""AppTest: the Poison page's second spot-it round, with an invisible attack, scored beside round 1."""

from __future__ import annotations

import pytest

from apptest import fresh_app


@pytest.fixture(scope="module")
def blended_set():
    """The default lab's training set poisoned by hand with Blended's defaults (10%, into '0', seed 0)."""
    from backdoor.attacks import Blended, PoisonConfig, poison
    from backdoor.datasets import load_dataset

    digits = load_dataset("mnist-5k", seed=0)
    return poison(digits.x_train, digits.y_train, Blended(), PoisonConfig(rate=0.1, target=0, seed=0), 10)


def boxes(at, prefix: str) -> list:
    return [c for c in at.checkbox if c.key.startswith(f"{prefix}.")]


def info_starting(at, words: str) -> str:
    return next(i.value for i in at.info if i.value.startswith(words))


def test_round_2_hides_the_labels_and_scores_a_perfect_guess_beside_a_missed_round_1(blended_set):
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    assert "**Round 2: Blended (faint full-image pattern).**" in "\n".join(m.value for m in at.markdown)
    round_2 = boxes(at, "spot2.0")
    assert len(round_2) == 8 and len(boxes(at, "spot.0")) == 8
    assert sum(c.value.startswith("labelled '") for c in at.caption) == 8  # round 1's labels only
    at.button(key="FormSubmitter:spot.form.0-Check my answer").click().run()  # round 1: nothing ticked
    missed = info_starting(at, "You found **0 of ")
    shown_in_round_1 = int(missed.split("**0 of ")[1].split("**")[0])

    poisoned = [c for c in boxes(at, "spot2.0") if blended_set.poisoned_mask[int(c.key.rsplit(".", 1)[1])]]
    assert 2 <= len(poisoned) <= 4
    for box in poisoned:
        box.check()
    at.button(key="FormSubmitter:spot2.form.0-Check round 2").click().run()
    assert not at.exception
    n = len(poisoned)
    assert sum(m.value == ":red[**poisoned**] (you found it)" for m in at.markdown) == n  # under each picture
    assert sum(m.value == "clean" for m in at.markdown) == (8 - n) + (8 - shown_in_round_1)  # both rounds
    assert info_starting(at, f"You found **{n} of {n}**") == (
        f"You found **{n} of {n}** poisoned images, missed 0, and accused 0 clean images. "
        f"In round 1 you found 0 of {shown_in_round_1} visible BadNets images, and {n} of {n} faint Blended images: "
        "a sharp eye, side by side with clean pictures. Among thousands of training images, nobody looks that "
        "closely. With Blended, 400 of the 4,000 training images carry the trigger.")


def test_the_next_round_2_plays_the_next_invisible_attack():
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    at.button(key="FormSubmitter:spot2.form.0-Check round 2").click().run()
    assert info_starting(at, "You found **0 of ").endswith(
        "Play round 1 above to compare with the scenario's own trigger. With Blended, 400 of the 4,000 training "
        "images carry the trigger.")
    at.button(key="btn.spot2.next").click().run()
    assert not at.exception
    assert "**Round 2: WaNet (slight warp).**" in "\n".join(m.value for m in at.markdown)
    assert len(boxes(at, "spot2.1")) == 8 and not boxes(at, "spot2.0")
