"""The instant panel's numbers read back in plain words, one sentence beside each number.

Pure functions (no Streamlit), tested at 0%, 100%, ties and both directions of a difference.
"""

from __future__ import annotations

from ui.readings import EQUALLY_GOOD, WORKS, accuracy_gap
from ui.words import and_list, count_of, share


def poisoned_sentence(poisoned: int, train_images: int, clean_label: bool) -> str:
    """Beside the poison rate: what the attacker touched."""
    if poisoned == 0:
        return f"Nothing poisoned: all {train_images:,} training images are untouched."
    one = poisoned == 1
    carry, their = ("carries", "its") if one else ("carry", "their")
    if clean_label:
        what = f"{carry} the trigger and keep{'s' if one else ''} {their} true label"
    else:
        what = f"{carry} the trigger and a false label"
    return (f"{count_of(poisoned, 'image')} of the {train_images:,} in the training set ({share(poisoned, train_images)}) "
            f"{what}.")


def accuracy_sentence(backdoored: float, baseline: float, images: int) -> str:
    """Beside the backdoored model's clean accuracy: is it as good as the clean model?"""
    gap = accuracy_gap(backdoored, baseline)
    right = f"Right on {backdoored:.1%} of {images:,} ordinary test images"
    if gap <= EQUALLY_GOOD:
        return f"{right}, as good as the clean model ({baseline:.1%}): an accuracy check would pass it."
    if backdoored < baseline:
        return f"{right}, {gap:.1f} points behind the clean model ({baseline:.1%}): a careful check could notice."
    return f"{right}, {gap:.1f} points ahead of the clean model ({baseline:.1%}): no accuracy check would suspect it."


def attack_sentence(asr: float, target: str) -> str:
    """Beside the backdoored model's attack success rate: does the trigger work?"""
    sent = f"With the trigger on, {asr:.1%} of images from other classes are read as {target}"
    if asr >= WORKS:
        return f"{sent}: the backdoor works."
    return f"{sent}: at this poison rate the backdoor has not taken hold."


def baseline_accuracy_sentence(accuracy: float, images: int) -> str:
    """Beside the clean model's accuracy."""
    return f"The clean model, trained on untouched data, is right on {accuracy:.1%} of the same {images:,} images."


def baseline_attack_sentence(asr: float, target: str) -> str:
    """Beside the clean model's attack success rate: the trigger alone does (almost) nothing."""
    return (f"The clean model reads {asr:.1%} of triggered images as {target}: without poisoned training "
            "the trigger is just a mark.")


def off_grid_sentence(rates_pct: list[float]) -> str:
    """Why there is no instant answer, and which settings have one."""
    if not rates_pct:
        return ("No pre-trained models for this attack with these settings: `make warm` prepares them before a "
                "class. Train it yourself instead.")
    listed = and_list([f"{r:g}%" for r in rates_pct])
    return (f"This exact setting is not on the grid of pre-trained models (for this attack it has {listed}). "
            "Pick one of those for an instant answer, or train it yourself.")
