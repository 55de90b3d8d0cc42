"""Sentences about a data inspection's flags against the known poison, and the retraining without them.

Pure functions, tested at 0, 1, all and none: the poison rate can be 0, and an inspection such as
Activation Clustering flags training images even when nothing is poisoned.
"""

from __future__ import annotations

from backdoor.metrics import Evaluation
from ui.words import agree, never_rounded, percent, points_lost, points_phrase


def _every(n: int) -> str:
    """"the only poisoned image", "both poisoned images", "all 40 poisoned images"."""
    return {1: "the only poisoned image", 2: "both poisoned images"}.get(n, f"all {n:,} poisoned images")


def _false_alarms(flagged: int) -> str:
    return {1: "the one flagged training image is a false alarm",
            2: "both flagged training images are false alarms"}.get(
        flagged, f"all {flagged:,} flagged training images are false alarms")


def _f1(f1: float) -> str:
    """F1 with two decimals, never rounded onto 0 or 1 when it is neither."""
    return never_rounded(f1, decimals=2, percent=False)


def flags_sentence(flagged: int, caught: int, poisoned: int) -> str:
    """How ``flagged`` training images, ``caught`` of them really poisoned, match the ``poisoned`` ones:
    precision (the flagged share that was poisoned), recall (the poisoned share flagged) and F1, each only
    where it means something."""
    if flagged == 0:
        if poisoned == 0:
            return "It flagged no training image, and rightly: nothing was poisoned."
        return f"It flagged no training image, so it missed {_every(poisoned)} (recall 0.0%)."
    precision = caught / flagged
    if poisoned == 0:
        return f"Nothing was poisoned, so {_false_alarms(flagged)} (precision 0.0%)."
    recall = caught / poisoned
    f1 = 2 * precision * recall / (precision + recall) if caught else 0.0
    if flagged == 1:
        found = f"The one flagged training image {'**was**' if caught else 'was **not**'} poisoned"
    elif caught == 0:
        found = f"**{'Neither' if flagged == 2 else 'None'}** of the {flagged:,} flagged training images was poisoned"
    else:
        found = (f"Of the {flagged:,} flagged training images, **{caught:,}** "
                 f"{agree(caught, 'really was', 'really were')} poisoned")
    they, catches, misses = ("it", "catches", "misses") if flagged == 1 else ("they", "catch", "miss")
    if caught == poisoned:
        reach = f"{they} {catches} {_every(poisoned)}"
    elif caught == 0:
        reach = f"{they} {misses} {_every(poisoned)}"
    else:
        reach = f"{they} {catches} {caught:,} of the {poisoned:,} poisoned images"
    return f"{found} (precision {percent(precision)}); {reach} (recall {percent(recall)}, F1 {_f1(f1)})."


def retrained_sentence(flagged: int, before: Evaluation, after: Evaluation, poisoned: bool) -> str:
    """The model retrained without the ``flagged`` training images, against the one before."""
    removed = {0: "Retrained with no image removed", 1: "Retrained without the flagged image"}.get(
        flagged, f"Retrained without the {flagged:,} flagged images")
    accuracy = (f"{removed}: clean accuracy {percent(after.clean_acc)} "
                f"({points_phrase(points_lost(before.clean_acc, after.clean_acc))})")
    attack = f"attack success {percent(after.asr)} (it was {percent(before.asr)})"
    if not poisoned:
        return (f"{accuracy}. Nothing was poisoned, so there was no backdoor to remove: {attack} counts the model's "
                "own mistakes.")
    return f"{accuracy}, {attack}."
