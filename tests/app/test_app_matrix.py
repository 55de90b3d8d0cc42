"""The Matrix page's new parts: each defense's seconds and false alarms, luck over three seeds,
and BackdoorBench's published figures beside ours."""

import json

import pytest

from apptest import fresh_app, texts

from backdoor.matrix import AttackRow, Cell, Matrix, MatrixConfig, save_matrix
from backdoor.matrix_seeds import seed_config
from backdoor.train import TrainConfig



def _config(epochs: int) -> MatrixConfig:
    """What the page asks for with ``train.epochs`` at ``epochs`` (each test its own, in the shared store)."""
    return MatrixConfig(train=TrainConfig(epochs=epochs))


def _matrix(ac_after: float) -> Matrix:
    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0)]
    cells = [Cell("badnets", "none", 0.97, 1.0, 0.006, 0.0, "the backdoored model as trained"),
             Cell("badnets", "activation_clustering", 0.97, ac_after, 0.006, 11.4, "flagged 399 training images"),
             Cell("badnets", "strip", 0.93, 0.0, 0.046, 2.2, "rejects 100% of triggered inputs")]
    alarms = [Cell("clean", "activation_clustering", 0.96, 0.002, 0.016, 9.0, "flagged 184", None, 0.0, 184),
              Cell("clean", "strip", 0.93, 0.002, 0.046, 2.0, "rejects 5% of clean ones", None, 0.046, None)]
    return Matrix("k", "mnist-5k", 0.976, rows, cells, 60.0, alarms, 0.002)


def _open(epochs: int):
    at = fresh_app(**{"train.epochs": epochs})
    at.run()
    at.switch_page("pages/matrix.py").run()
    assert not at.exception, at.exception
    return at


def test_the_page_shows_each_defenses_seconds_and_false_alarms_and_offers_the_missing_seeds():
    save_matrix(_config(23), _matrix(0.002))
    at = _open(23)
    heads = [str(h.value) for h in at.subheader]
    assert "What each defense costs: time, and false alarms on a clean model" in heads
    assert "Luck: the same matrix on three seeds" in heads and "Beside the published benchmark" in heads
    said = texts(at)
    assert "Every one of the 2 still did something there, for nothing." in said and "STRIP 4.6%." in said
    assert "| Activation Clustering, 9\u201111\u00a0s | flagged 184 honest training images; its result scores 1.6 points lower " \
           "than the clean model |" in said
    assert "| STRIP, 2\u00a0s | refuses 4.6% of honest requests;" in said
    assert "Seeds 1 and 2 are not computed yet" in " ".join(i.value for i in at.info)
    assert "btn.matrix.seeds" in [b.key for b in at.button]
    assert not [c for c in at.get("plotly_chart") if "Over the seeds" in c.proto.spec]  # no luck map yet
    asr, lost = (json.loads(c.proto.spec)["data"][0] for c in at.get("plotly_chart")
                 if "Attack success after" in c.proto.spec or "Clean accuracy lost" in c.proto.spec)
    assert asr["text"] == [["100%", "<1%", "0%"]] and lost["text"] == [["0.6", "0.6", "4.6"]]
    table = at.dataframe[0].value  # both maps' cells as text, for a phone where theirs are too narrow to read
    assert table.to_dict("records") == [{"attack": asr["y"][0],
                                         **dict(zip(asr["x"], ["100% · 0.6", "<1% · 0.6", "0% · 4.6"]))}]


def test_with_three_seeds_stored_each_cell_shows_its_range_and_a_flipped_verdict_is_said():
    save_matrix(_config(24), _matrix(0.002))
    save_matrix(seed_config(_config(24), 1), _matrix(0.893))
    save_matrix(seed_config(_config(24), 2), _matrix(0.05))
    at = _open(24)
    luck = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Over the seeds" in c.proto.spec)
    assert luck["data"][0]["text"] == [["100%", "<1%–89%<br>flips", "0%"]]  # 0.2% is not "0%"
    assert luck["data"][0]["z"] == [[0.0, pytest.approx(89.1), 0.0]]  # how far apart the seeds are, in points
    table = at.dataframe[1].value  # the same cells as text, for a phone where the map's are too narrow to read
    assert table.to_dict("records") == [{"attack": luck["data"][0]["y"][0],
                                         **dict(zip(luck["data"][0]["x"], ["100%", "<1%–89% (flips)", "0%"]))}]
    said = texts(at)
    assert "1 of the 2 verdicts changes with the seed" in said
    assert ("**Activation Clustering** against **BadNets**: stopped it on seeds 0 and 2 (0.2% and 5.0% of triggered "
            "images still hijacked), but not on seed 1 (89.3%).") in said
    assert "btn.matrix.seeds" not in [b.key for b in at.button]


def test_a_fresh_server_draws_the_whole_page_while_the_seeds_time_is_still_measured(monkeypatch):
    from backdoor import timing

    monkeypatch.setattr(timing, "MEASURED", timing._Measurements())  # a server whose warm-up is not done
    save_matrix(_config(22), _matrix(0.002))
    at = _open(22)
    assert ("Seeds 1 and 2 are not computed yet: `make warm` computes them before class, or compute them here (how "
            "long that takes on this server is still being measured).") in " ".join(i.value for i in at.info)
    assert "One cell in detail" in [str(h.value) for h in at.subheader]  # the page below never waited for it
    assert not timing.MEASURED._values  # and drawing it measured nothing: the click on the button does


def test_an_instructor_is_told_make_warm_computes_it_before_class_and_a_student_is_not():
    """A matrix not yet computed takes minutes: the instructor learns how to have it ready in front of the room."""
    def not_computed(audience: str) -> str:
        at = fresh_app(**{"train.epochs": 33, "lab.audience": audience})
        at.run()
        at.switch_page("pages/matrix.py").run()
        assert not at.exception, at.exception
        return " ".join(i.value for i in at.info if str(i.value).startswith("Not computed yet"))

    assert ("so the page opens at once in front of the room (settings of your own are computed here)."
            in not_computed("Instructor"))
    student = not_computed("Student")
    assert student.startswith("Not computed yet for these settings.") and "make warm" not in student
