"""The two models every scenario trains, as the code names them, and as people read them.

Code keys on the kind (``"backdoored"``, ``"baseline"``); a label is looked up only when drawn.
"""

KINDS = ("backdoored", "baseline")
LABELS = {"backdoored": "Backdoored model", "baseline": "Clean baseline"}
