"""The first epoch's live curve: a point per batch, redrawn a few times a second, then left alone."""

from backdoor.train import EpochRecord, Progress
from backdoor.kinds import LABELS
from ui.live_curve import BatchCurve, batch_curve


class Placeholder:
    def __init__(self):
        self.drawn = []

    def plotly_chart(self, figure, key, config):
        self.drawn.append((figure, key))


def test_the_curve_has_a_point_per_batch_for_each_model():
    fig = batch_curve({"backdoored": [(1, 2.3), (2, 2.0)], "baseline": [(1, 2.2)]}, batches=63)
    assert [list(t.x) for t in fig.data] == [[1, 2], [1]]
    assert [list(t.y) for t in fig.data] == [[2.3, 2.0], [2.2]]
    assert [t.name for t in fig.data] == [LABELS["backdoored"], LABELS["baseline"]]
    assert fig.layout.xaxis.range == (0, 63)


def test_it_redraws_at_most_every_interval_and_at_the_epochs_last_batch():
    now = [0]
    where = Placeholder()
    curve = BatchCurve(where, redraw_seconds=3, clock=lambda: now[0])
    for batch in range(1, 12):  # eleven batches, one time unit apart
        curve("backdoored", Progress(1, 5, batch, 11, 2.0 / batch))
        now[0] += 1
    assert [fig.data[0].x[-1] for fig, _ in where.drawn] == [1, 4, 7, 10, 11]  # every 3 units, and the last batch
    assert [key for _, key in where.drawn] == [f"live.batch.{k}" for k in range(1, 6)]  # one key per drawing
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
