"""The compression panel's reading: only a backdoor that worked can survive compression."""

from backdoor.defenses.compression import CompressionRow
from ui.panels.compression import compression_reading


def rows(original: float, *compressed: float) -> list[CompressionRow]:
    return [CompressionRow("original", 0.0, 0.97, original)] + [
        CompressionRow(f"setting {i}", 0.5, 0.95, asr) for i, asr in enumerate(compressed)]


def test_a_backdoor_that_survives_every_setting_none_or_some():
    every = compression_reading(rows(1.0, 0.99, 0.98, 0.97))
    assert every == ("The backdoor survived 3 of the 3 compressed versions (attack success above 50%). Compression "
                     "keeps what the model relies on, and it relies on the trigger.")
    none = compression_reading(rows(1.0, 0.02, 0.5, 0.1))  # exactly 50% is not "above 50%"
    assert none.startswith("The backdoor survived 0 of the 3") and "relies on the trigger" not in none
    some = compression_reading(rows(1.0, 0.99, 0.1, 0.0))
    assert "survived 1 of the 3" in some and "The other 2 broke it" in some


def test_no_working_backdoor_has_nothing_to_survive():
    said = compression_reading(rows(0.002, 0.0, 0.004))  # nothing poisoned, or the attack never took hold
    assert said.startswith("The original model has no working backdoor to keep (attack success 0.2%)")
    assert "survived" not in said and "relies on the trigger" not in said
