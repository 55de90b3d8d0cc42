"""Fine-Pruning's panel says how far pruning went and why it stopped, whichever stopped it."""

from backdoor.defenses.fine_pruning import PruningPoint
from ui.panels.fine_pruning import pruned_words


def curve(*fractions: float) -> list[PruningPoint]:
    return [PruningPoint(f, 0.97, 1.0) for f in (0.0, *fractions)]


def test_the_budget_stopped_it():
    assert pruned_words(curve(0.25, 0.5, 0.75), 32, 0.5) == (
        "Pruned **32 quiet channels** (50.0%), the most it could before clean accuracy fell beyond the budget.")


def test_the_largest_share_stopped_it_within_the_budget():
    assert pruned_words(curve(0.25, 0.5, 0.75), 48, 0.75) == (
        "Pruned **48 quiet channels** (75.0%), the most it ever prunes, and clean accuracy stayed within the budget.")


def test_one_channel_or_none():
    assert pruned_words(curve(0.02, 0.03), 1, 0.02).startswith("Pruned **1 quiet channel** (2.0%), the most it could")
    assert pruned_words(curve(0.25), 0, 0.0) == (
        "Pruned no channel: removing even the quietest ones cost more clean accuracy than the budget allows.")
