"""The poison-rate sweep's reading holds at its edges: one image, never working, never taking hold, a tie."""

from __future__ import annotations

from backdoor.sweep import SweepPoint
from ui.sweep import read_sweep, sweep_words


def point(images: int, asr: float, acc: float = 0.972) -> SweepPoint:
    return SweepPoint(images, images / 4000, acc, asr, 1.0)


def test_the_first_count_that_works_is_named_in_the_right_number():
    assert read_sweep([point(1, 0.95), point(10, 1.0)]).startswith(
        "With only **1 poisoned image (0.025% of the training set)** the trigger already works 95% of the time.")
    assert "already works over 99% of the time" in read_sweep([point(5, 0.998)])  # not "100%": some got through
    assert read_sweep([point(5, 0.2), point(50, 0.91)]).startswith("With only **50 poisoned images (1.2% of")


def test_an_attack_that_never_works_says_its_best_and_one_that_never_takes_hold_says_so():
    tie = read_sweep([point(5, 0.6), point(50, 0.6), point(400, 0.3)])
    assert tie.startswith("This attack never reached 90% success in the sweep; its best was 60.0%, with 5 poisoned "
                          "images.")
    assert "its best was just under 90%, with 50" in read_sweep([point(5, 0.2), point(50, 0.8996)])
    assert "its best was 89.9%, with 50" in read_sweep([point(5, 0.2), point(50, 0.8994)])
    assert "its best was 0.6%, with 50" in read_sweep([point(5, 0.0), point(50, 0.006)])
    nothing = read_sweep([point(5, 0.0), point(50, 0.004)])
    assert nothing.startswith("This attack never took hold in the sweep: the trigger worked on under 1% of the "
                              "triggered test images at every poison count tried.")


def test_clean_accuracy_is_called_steady_only_when_it_is():
    steady = read_sweep([point(5, 0.95, 0.971), point(50, 1.0, 0.973)])
    assert "stays between 97.1% and 97.3% throughout" in steady
    same = read_sweep([point(5, 0.95, 0.972), point(50, 1.0, 0.9721)])
    assert "Clean accuracy stays at 97.2% throughout, so an accuracy check never notices the difference." in same
    moved = read_sweep([point(5, 0.95, 0.95), point(50, 1.0, 0.973)])
    assert "moves between 95.0% and 97.3% across the sweep" in moved


def test_sweep_words_count_only_the_models_it_trains():
    counts, took = [5, 10, 25, 50, 100, 200, 400], "about 45 s on this server"
    models = "one per poison count (5, 10, 25, 50, 100, 200, 400 images)"
    same = "Everything else stays as set above."
    assert sweep_words(counts, 0, took) == f"Trains 7 models, {models}; {took}. {same}"
    assert sweep_words(counts, 1, took) == (f"Trains 6 of its 7 models, {models}: 1 is in the model store already; "
                                            f"{took}. {same}")
    assert sweep_words(counts, 3, took).startswith(f"Trains 4 of its 7 models, {models}: 3 are in the model store")
    assert sweep_words(counts, 7, "about 3 s on this server") == (
        f"Its 7 models, {models}, are in the model store already, so it only measures them; about 3 s on this "
        f"server. {same}")
    assert sweep_words([5], 1, took).startswith("Its 1 model, one per poison count (5 images), is in the model store")
