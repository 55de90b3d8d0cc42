"""The first epoch's live curve: a point per batch, redrawn about once a second, then left alone."""

import re

from backdoor.train import EpochRecord, Progress
from backdoor.kinds import LABELS
from ui.live_curve import BatchCurve, HEIGHT, PAD, batch_svg, description


class Placeholder:
    def __init__(self):
        self.drawn = []

    def html(self, body):
        self.drawn.append(body)


def polylines(svg: str) -> list[list[tuple[float, float]]]:
    return [[tuple(map(float, p.split(","))) for p in found.split()]
            for found in re.findall(r'points="([^"]*)"', svg)]


def test_the_curve_has_a_point_per_batch_for_each_model_named_and_dashed_apart():
    svg = batch_svg({"backdoored": [(1, 2.0), (2, 1.0)], "baseline": [(1, 2.0)]}, batches=63)
    back, base = polylines(svg)
    assert len(back) == 2 and len(base) == 1
    assert back[0][1] == base[0][1] == PAD  # the highest loss at the top
    assert back[1][1] == (HEIGHT - PAD + PAD) / 2  # half the loss, half the height
    assert back[1][0] > back[0][0]  # later batches to the right
    assert LABELS["backdoored"] in svg and LABELS["baseline"] in svg  # named, not told by colour alone
    assert svg.count("stroke-dasharray") == 1  # the backdoored line is dashed
    assert 'role="img"' in svg and "aria-label=" in svg


def test_the_words_say_where_the_loss_went_for_one_and_many_batches():
    assert description({"backdoored": [(1, 2.3), (9, 0.5)]}, 63) == \
        "First epoch, live. Backdoored model: loss 2.30 after batch 1, 0.50 after batch 9 of 63."
    assert description({"baseline": [(1, 2.3)]}, 63) == "First epoch, live. Clean baseline: loss 2.30 after batch 1 of 63."
    assert "no batch yet" in batch_svg({}, 10)


def test_the_caption_says_first_epoch_once_and_names_each_model_as_the_page_does():
    svg = batch_svg({"backdoored": [(1, 2.3), (9, 0.5)]}, 63, {"backdoored": "Unpoisoned model"})
    caption = svg.split("<figcaption")[1]
    assert caption.count("First epoch") == 1 and "Unpoisoned model: loss 2.30" in caption
    assert "Backdoored" not in svg and 'aria-label="First epoch, live. Unpoisoned model: loss 2.30' in svg


def test_a_zero_loss_stays_inside_the_picture():
    (line,) = polylines(batch_svg({"baseline": [(1, 0.0), (2, 0.0)]}, 2))
    assert all(PAD <= y <= HEIGHT - PAD for _, y in line)


def test_it_redraws_at_most_every_interval_and_at_the_epochs_last_batch():
    now = [0]
    where = Placeholder()
    curve = BatchCurve(where, redraw_seconds=3, clock=lambda: now[0])
    for batch in range(1, 12):  # eleven batches, one time unit apart
        curve("backdoored", Progress(1, 5, batch, 11, 2.0 / batch))
        now[0] += 1
    assert [len(polylines(svg)[0]) for svg in where.drawn] == [1, 4, 7, 10, 11]  # every 3 units, and the last batch
    assert len(curve.points["backdoored"]) == 11


def test_later_epochs_and_epoch_records_are_not_drawn():
    where = Placeholder()
    curve = BatchCurve(where, redraw_seconds=0.0)
    curve("baseline", Progress(1, 5, 10, 10, 0.5, EpochRecord(1, 0.5, 0.9, float("nan"), 1.0)))
    curve("baseline", Progress(2, 5, 1, 10, 0.4))
    assert where.drawn == [] and curve.points == {}


def test_the_working_badge_shows_only_while_the_app_runs_and_after_a_moment():
    from ui.running import BADGE, SHOW_AFTER_S

    assert '[data-testid="stApp"][data-test-script-state="running"]::after' in BADGE
    assert f"{SHOW_AFTER_S}s forwards" in BADGE and "opacity: 0;" in BADGE  # an instant redraw never flickers it
