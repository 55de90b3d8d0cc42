"""The Mystery page's words before its models are prepared: how many it trains, and how long."""

from __future__ import annotations

from ui.words import count_of, in_store


def prepare_words(count: int, to_train: int, took: str) -> str:
    """What "Prepare the mystery models" will do: train ``to_train`` of the ``count`` models (the
    rest are in the model store already), in ``took`` ("about 12 s on this server")."""
    shared = "then anyone with this code on this server gets them at once."
    if not to_train:
        every = "Both" if count == 2 else f"All {count}"
        return f"{every} models are in the model store already (trained before): they load in {took}; {shared}"
    if to_train < count:
        return f"Trains {to_train} of the {count} models ({in_store(count - to_train)}), {took}; {shared}"
    return f"Trains {count_of(count, 'model')}, {took}; {shared}"
