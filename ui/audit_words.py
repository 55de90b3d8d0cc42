"""The Audit page's closing words: what the checks run on an uploaded model file found, in plain words.

An audit never knows whether the file was poisoned, nor its trigger: it can test the lab's current
trigger, search for any small trigger (Neural Cleanse), and try repairs and monitors. So the words
can raise a flag, never clear a file. Pure functions (no Streamlit), tested at their edges.
"""

from __future__ import annotations

from backdoor.metrics import Evaluation
from backdoor.outcomes import STOPPED, Outcome, defenses_reading, kind_words, side_effects
from ui.words import agree, class_list, percent


def _obeys(before: Evaluation) -> str:
    said = (f"This file gets {percent(before.clean_acc)} of the clean test images right, and the lab's current trigger "
            f"sends {percent(before.asr)} of the triggered ones where that attack wants them.")
    if before.asr > STOPPED:
        return said + " It obeys that trigger: treat it as backdoored."
    return said + (" It does not obey that trigger, which does not clear it: a backdoor may answer to another "
                   "trigger.")


def _search(flagged: list[int] | None, classes, obeys: bool) -> str:
    if flagged is None:
        return ""
    if flagged:
        return (f"Neural Cleanse found a suspiciously small trigger towards {class_list(classes, flagged)}: the mark "
                f"of a backdoor towards {agree(len(flagged), 'that class', 'those classes')}, whatever its trigger looks "
                "like.")
    found = "Neural Cleanse found no class that a suspiciously small change reaches"
    if obeys:
        return (f"{found}, yet the file obeys the lab's trigger: its search misses triggers like this one (blended, "
                "warped or spread over the whole image).")
    return (f"{found}: no sign of a patch-like backdoor. That does not clear the file either: a blended, warped or "
            "whole-image trigger can escape its search.")


def _repairs(before: Evaluation, outcomes: list[Outcome]) -> str:
    repaired = [o for o in outcomes if o.repaired]
    if not repaired:
        return ""
    if before.asr > STOPPED:  # the lab's trigger works on it: which repair or monitor undoes that
        return defenses_reading(before, outcomes, poisoned=True)
    one, _ = kind_words(repaired)
    return (f"The lab's trigger had nothing to undo here, so what {agree(len(repaired), 'the ' + one, 'each ' + one)} "
            f"changed is only its cost: {side_effects(before, repaired)}.")


CLOSING = ("An audit can raise a flag, never clear a file: keep its SHA-256 with your records, take model files only "
           "from sources you trust, and keep watching the model once it serves (the Govern page's controls).")


def audit_reading(before: Evaluation, outcomes: list[Outcome], classes, flagged: list[int] | None) -> str:
    """The audit in a paragraph. ``flagged``: the classes Neural Cleanse flagged, None when it was not run."""
    parts = [_obeys(before), _search(flagged, classes, before.asr > STOPPED), _repairs(before, outcomes), CLOSING]
    return " ".join(p for p in parts if p)
