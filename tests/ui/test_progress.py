"""The progress bar fed by a library callback: a few redraws a second, the last step always, the time left."""

import ui.progress as progress
from ui.progress import ProgressBar


class Bar:
    def __init__(self):
        self.drawn = []

    def progress(self, fraction, text):
        self.drawn.append((fraction, text))


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def make(monkeypatch):
    bar, clock = Bar(), Clock()
    monkeypatch.setattr(progress.st, "progress", lambda fraction, text: bar)
    monkeypatch.setattr(progress.time, "perf_counter", clock)
    return ProgressBar("Neural Cleanse: starting..."), bar, clock


def test_a_step_callback_redraws_a_few_times_a_second_and_always_the_last_step(monkeypatch):
    feed, bar, clock = make(monkeypatch)
    for step in range(1, 1301):  # Neural Cleanse reports about 1,300 steps
        clock.now += 0.01
        feed(step, 1300, f"step {step}")
    # 13 s of steps at one redraw per 0.25 s at most, and the last step drawn whatever the clock says
    assert 40 <= len(bar.drawn) <= 53
    assert bar.drawn[-1] == (1.0, "step 1300")


def test_the_text_gains_the_time_left_once_the_time_so_far_says_enough(monkeypatch):
    feed, bar, clock = make(monkeypatch)
    clock.now += 1.0
    feed(10, 100, "Fine-Pruning: epoch 1")
    assert bar.drawn[-1] == (0.1, "Fine-Pruning: epoch 1")  # one second in: too early to say
    clock.now += 3.0
    feed(50, 100, "Fine-Pruning: epoch 5")
    assert bar.drawn[-1][1].startswith("Fine-Pruning: epoch 5 (about ") and bar.drawn[-1][1].endswith(" left)")


def test_no_total_counts_as_done_and_words_before_the_work_start_at_zero(monkeypatch):
    feed, bar, clock = make(monkeypatch)
    feed(0, 0, "nothing to do")
    assert bar.drawn[-1] == (1.0, "nothing to do")
    feed.say("Neural Cleanse: second in line")
    assert bar.drawn[-1] == (0.0, "Neural Cleanse: second in line")
