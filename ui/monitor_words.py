"""Sentences about a serving-time monitor's two rates: triggered requests caught, honest ones refused."""

from __future__ import annotations

from ui.words import percent


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
    if round(caught_a, 3) == round(caught_b, 3):
        return f"{said} Both catch the same share."
    more, fewer = (first, second) if caught_a > caught_b else (second, first)
    return f"{said} {more} catches more triggered requests than {fewer}."
