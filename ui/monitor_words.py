"""Sentences about a serving-time monitor's two rates: triggered requests caught, honest ones refused."""

from __future__ import annotations

from ui.words import percent

PILE = 0.1  # at most this share of triggered inputs let through: they sit in one pile, apart from the honest ones


def caught_sentence(caught: float) -> str:
    """What the monitor does to the attacker's triggered requests (``caught``: the share it refuses)."""
    if caught <= 0.0:
        return "It refuses none of the attacker's triggered requests: every one is answered, as the attacker wants."
    if caught >= 1.0:
        return "It refuses every one of the attacker's triggered requests."
    return (f"It refuses {percent(caught)} of the attacker's triggered requests; the other "
            f"{percent(1 - caught)} are answered.")


def refused_sentence(refused: float) -> str:
    """What the monitor costs honest users (``refused``: the share of clean requests it turns away)."""
    if refused <= 0.0:
        return "It answers every honest request."
    if refused >= 1.0:
        return "It turns away every honest request too: the service answers nobody."
    return f"It also turns away {percent(refused)} of honest requests, which then get no answer."


def monitors_compared(first: str, first_rates: tuple[float, float], second: str,
                      second_rates: tuple[float, float]) -> str:
    """Two monitors on the same model, each as (caught, refused): who catches more, at what cost."""
    (caught_a, refused_a), (caught_b, refused_b) = first_rates, second_rates
    said = (f"On this model {first} catches {percent(caught_a)} of triggered requests and refuses "
            f"{percent(refused_a)} of honest ones; {second} catches {percent(caught_b)} and refuses {percent(refused_b)}.")
    if percent(caught_a) == percent(caught_b):  # the same share as shown
        return f"{said} Both catch the same share."
    more, fewer = (first, second) if caught_a > caught_b else (second, first)
    return f"{said} {more} catches more triggered requests than {fewer}."


def strip_reading(frr: float, far: float, poison_rate: float | None) -> str:
    """STRIP's panel at the threshold the student set: what it turns away, what it lets through, and why
    (``poison_rate`` None: a model from elsewhere, whose poisoning nobody here knows)."""
    rates = (f"As a monitor in front of the deployed model: at this threshold it turns away {percent(frr)} of ordinary "
             f"requests and lets through {percent(far)} of the attacker's triggered ones (it catches {percent(1 - far)}).")
    if poison_rate is not None and poison_rate <= 0:
        why = ("Nothing was poisoned, so the triggered inputs are ordinary images with the trigger on: the model has no "
               "backdoor to obey, and STRIP sees them as it sees any clean input.")
    elif far <= PILE:
        why = ("Triggered inputs pile up at the far left: whatever clean image is blended in, the model keeps "
               "answering the target class with near certainty.")
    elif far <= 0.5:
        why = ("Most triggered inputs fall left of the threshold, but not all: blended with clean images, this trigger "
               "mostly keeps its hold, and the ones where it slips are as uncertain as honest inputs, so STRIP lets "
               "them through.")
    else:
        why = ("Most triggered inputs sit among the clean ones: blended with clean images, this trigger loses its hold "
               "(or the model never learnt to obey it), so their predictions are as uncertain as honest inputs' and "
               "STRIP cannot single them out.")
    return f"{rates} {why}"
