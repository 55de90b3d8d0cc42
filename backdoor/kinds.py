"""The two models every scenario trains, as the code names them, and as people read them.

Code keys on the kind (``"backdoored"``, ``"baseline"``); a label is looked up only when drawn.
"""

KINDS = ("backdoored", "baseline")
LABELS = {"backdoored": "Backdoored model", "baseline": "Clean baseline"}
UNPOISONED = "Unpoisoned model"  # the "backdoored" slot when nothing was poisoned: it holds no backdoor


def labels(poison_rate: float | bool) -> dict[str, str]:
    """Each kind's label for a scenario poisoned at ``poison_rate`` (or, as a bool, whether anything was): at a
    rate of 0 the model trained on the lab's data is never called backdoored (the pages' sentences agree)."""
    return LABELS if poison_rate > 0 else {**LABELS, "backdoored": UNPOISONED}


def short_label(kind: str, poison_rate: float) -> str:
    """The label's first word, for a metric ("Backdoored: clean accuracy") or a verdict ("**Clean** says")."""
    return labels(poison_rate)[kind].split()[0]
