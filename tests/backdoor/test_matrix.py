"""The attack x defense matrix: measured cells, files on disk, its key and its rows."""

from dataclasses import replace

import pytest

from backdoor.train import TrainConfig


@pytest.fixture(scope="module")
def tiny_matrix(small_mnist):
    from backdoor.matrix import MatrixConfig, compute_matrix

    config = MatrixConfig(rows=("badnets", "sig"), columns=("none", "spectral_signatures", "strip"),
                          train=TrainConfig(epochs=3))
    progress = []
    result = compute_matrix(small_mnist, config, on_progress=lambda d, t, i: progress.append((d, t, i)))
    return config, result, progress


def test_matrix_fills_every_cell_with_measured_numbers(tiny_matrix):
    config, result, progress = tiny_matrix
    assert result.attacks == ["badnets", "sig"] and result.defenses == ["none", "spectral_signatures", "strip"]
    assert len(result.cells) == 6
    for cell in result.cells:
        assert 0 <= cell.asr <= 1 and 0 <= cell.clean_acc <= 1 and cell.detail
        assert cell.drop == pytest.approx(result.baseline_clean_acc - cell.clean_acc)  # positive = worse
    none = result.cell("badnets", "none")
    row = result.rows[0]
    assert none.asr == row.asr > 0.8  # the BadNets backdoor works before any defense
    assert result.cell("badnets", "strip").asr < 0.2  # STRIP turns triggered inputs away
    assert row.poisoned_images == 100 and result.rows[1].poison_rate == 0.08
    dones = [d for d, _, _ in progress]
    assert dones == sorted(dones) and dones[-1] == progress[-1][1]  # the bar never goes back
    # training is reported too (the stored-model test cannot see it): the clean model in the first of
    # 1 + 2 x 3 + 2 steps (the last two: each defense on the clean model), each attack's training at
    # the start of its row
    assert {t for _, t, _ in progress} == {900}
    assert {d // 100 for d, _, label in progress if label.startswith("Clean model: ")} == {7, 8}
    assert {d // 100 for d, _, label in progress if label == "training a clean model"} == {0}
    assert {d // 100 for d, _, label in progress if label == "BadNets: training"} == {1}
    assert {d // 100 for d, _, label in progress if label == "SIG (clean-label): training"} == {4}


def test_matrix_csv_and_json_round_trip(tiny_matrix):
    from backdoor.matrix import Matrix

    _, result, _ = tiny_matrix
    csv = result.to_csv().splitlines()
    assert csv[0].startswith("attack,defense,asr_after") and len(csv) == 9  # 6 cells, 2 false alarms
    assert [line.split(",")[:2] for line in csv[7:]] == [["clean", "spectral_signatures"], ["clean", "strip"]]
    assert Matrix.from_json(result.to_json()) == result


def test_every_defense_also_runs_on_the_clean_model_and_its_false_alarms_are_measured(tiny_matrix):
    _, result, _ = tiny_matrix
    assert [c.defense for c in result.false_alarms] == ["spectral_signatures", "strip"]
    assert all(c.attack == "clean" for c in result.false_alarms) and result.attacks == ["badnets", "sig"]
    ss, strip = result.false_alarm("spectral_signatures"), result.false_alarm("strip")
    # whatever Spectral Signatures flags on a clean model is honest, and the model retrained without it
    # is measured (the full matrix's run flags about 180 images; this small one may flag none)
    assert ss.flagged is not None and ss.found is None
    assert ("none of them poisoned" if ss.flagged else "flagged no training image") in ss.detail
    assert ss.drop == pytest.approx(result.baseline_clean_acc - ss.clean_acc)
    # STRIP's threshold is set to refuse a small share (5%) of honest requests, a cost paid with no attack;
    # set on 150 images and measured on 150 others, the share refused lands well either side of 5%
    assert 0 < strip.refused <= 0.2 and strip.flagged is None and strip.drop >= strip.refused - 1e-9
    assert result.false_alarm("neural_cleanse") is None
    assert 0 <= result.clean_asr < 0.1  # the trigger hardly moves a clean model
    low, high = result.seconds_range("strip")
    assert 0 < low <= high == max(c.seconds for c in result.cells + result.false_alarms if c.defense == "strip")


def test_matrix_is_read_back_from_disk_without_recomputing(tiny_matrix, small_mnist, monkeypatch):
    import backdoor.matrix as M

    config, result, _ = tiny_matrix
    M.save_matrix(config, result)
    monkeypatch.setattr(M, "compute_matrix", lambda *a, **k: pytest.fail("recomputed"))
    assert M.matrix(small_mnist, config) == result
    M.matrix_path(config).write_text("{ not json")
    assert M.load_matrix(config) is None  # a damaged file is ignored, not trusted


def test_matrix_refuses_unknown_rows_and_skips_unfitting_attacks():
    from backdoor.matrix import MatrixConfig, matrix_rows

    with pytest.raises(ValueError):
        MatrixConfig(rows=("nope",))
    rows = matrix_rows()
    assert not rows["sticker"].fits("mnist-5k") and rows["sticker"].fits("traffic-signs")


# Each setting that changes what the matrix holds, changed alone from the defaults.
KEY_CHANGES = {
    "dataset": dict(dataset="traffic-signs"),
    "model": dict(model="color-cnn"),
    "epochs": dict(train=TrainConfig(epochs=3)),
    "batch size": dict(train=TrainConfig(batch_size=32)),
    "learning rate": dict(train=TrainConfig(learning_rate=1e-3)),
    "training seed": dict(train=TrainConfig(seed=1)),
    "augmentation": dict(train=TrainConfig(augment=True)),
    "mixup": dict(train=TrainConfig(mixup=0.2)),
    "target": dict(target=3),
    "data seed": dict(data_seed=1),
    "fewer rows": dict(rows=("badnets", "sig")),
    "other rows": dict(rows=("badnets", "blended")),
    "fewer columns": dict(columns=("none", "strip")),
    "no 'none' column": dict(columns=("strip",)),
}


def test_every_setting_that_changes_the_matrix_changes_its_key():
    from backdoor.matrix import MatrixConfig

    keys = {name: MatrixConfig(**change).key() for name, change in KEY_CHANGES.items()}
    keys["defaults"] = MatrixConfig().key()
    # 15 configurations, 15 different files: none reads another's matrix
    assert len(set(keys.values())) == len(keys) == 15, keys


def test_equal_settings_share_a_key_however_they_are_written():
    from backdoor.attacks import BadNets, PoisonConfig
    from backdoor.matrix import MatrixConfig, config_for
    from backdoor.scenario import Scenario

    spelled_out = MatrixConfig(dataset="mnist-5k", model="small-cnn", train=TrainConfig(epochs=5, batch_size=64),
                               target=0, data_seed=0)
    assert spelled_out.key() == MatrixConfig().key()
    # the Matrix page's configuration for a scenario: every row has its own trigger and rate, so the
    # sidebar's trigger and rate change nothing
    sidebar = Scenario(trigger=BadNets(size=6), poison=PoisonConfig(rate=0.3))
    assert config_for(sidebar, "mnist-5k").key() == MatrixConfig().key()
    key = MatrixConfig().key()
    assert len(key) == 16 and int(key, 16) >= 0  # a hex name for a file


def test_a_changed_default_of_an_attack_or_a_defense_or_the_code_version_changes_the_key(monkeypatch):
    from dataclasses import replace

    import backdoor.matrix as M
    from backdoor.attacks import ATTACKS
    from backdoor.defenses.registry import DEFENSES

    before = M.MatrixConfig().key()
    with monkeypatch.context() as m:
        m.setitem(DEFENSES, "strip", replace(DEFENSES["strip"], config=replace(DEFENSES["strip"].config, frr=0.1)))
        assert M.MatrixConfig().key() != before
    with monkeypatch.context() as m:
        m.setitem(ATTACKS, "badnets", replace(ATTACKS["badnets"], default_rate=0.05))
        assert M.MatrixConfig().key() != before
    with monkeypatch.context() as m:
        m.setattr(M, "VERSION", M.VERSION + 1)
        assert M.MatrixConfig().key() != before
    assert M.MatrixConfig().key() == before
    # a defense that is not a column does not count
    strip_only = M.MatrixConfig(columns=("none", "strip")).key()
    monkeypatch.setitem(DEFENSES, "fine_pruning",
                        replace(DEFENSES["fine_pruning"], config=replace(DEFENSES["fine_pruning"].config, step=0.1)))
    assert M.MatrixConfig(columns=("none", "strip")).key() == strip_only


def test_a_cells_drop_is_the_clean_accuracy_lost_against_the_clean_model():
    from backdoor.matrix import Cell
    from backdoor.metrics import Evaluation

    # the clean model scores 95%; a defense leaving 90% lost 5 points, one leaving 97% gained 2
    worse = Cell.measured("badnets", "fine_pruning", Evaluation(0.90, 0.03), baseline_acc=0.95, seconds=2.0,
                          detail="pruned")
    better = Cell.measured("badnets", "strip", Evaluation(0.97, 0.0), baseline_acc=0.95, seconds=1.0, detail="x")
    assert (worse.clean_acc, worse.asr, worse.seconds, worse.detail) == (0.90, 0.03, 2.0, "pruned")
    assert worse.drop == pytest.approx(0.05) and better.drop == pytest.approx(-0.02)


def test_the_csv_gives_lost_points_positive_when_worse():
    from backdoor.matrix import AttackRow, Cell, Matrix

    cells = [Cell("badnets", "none", 0.93, 0.99, 0.02, 0.0, "as trained"),
             Cell("badnets", "strip", 0.96, 0.05, -0.01, 1.5, 'said "no"')]
    table = Matrix("k", "mnist-5k", 0.95, [AttackRow("badnets", 0.1, 100, 0.93, 0.99, 3.0)], cells, 4.5)
    assert table.to_csv().splitlines() == [
        "attack,defense,asr_after,clean_acc_after,clean_accuracy_lost_points,seconds,detail",
        'badnets,none,0.9900,0.9300,2.00,0.00,"as trained"',
        "badnets,strip,0.0500,0.9600,-1.00,1.50,\"said 'no'\"",
    ]
    assert table.grid("drop") == [[0.02, -0.01]]


# --- fast tests on hand-written rows, cells and matrices (no training) ---------------------------

def test_rows_are_every_attack_and_badnets_once_more_all_to_all():
    from backdoor.matrix import Row, matrix_rows, row_title

    rows = matrix_rows()
    assert list(rows) == ["badnets", "badnets-all-to-all", "blended", "wanet", "sig", "sticker", "adap_blend"]
    assert rows["badnets-all-to-all"] == Row("badnets-all-to-all", "BadNets all-to-all", "badnets", all_to_all=True)
    assert rows["sig"] == Row("sig", "SIG (clean-label)", "sig", all_to_all=False)
    assert row_title("badnets") == "BadNets" and row_title("sticker") == "Physical sticker"


def test_a_row_sets_its_attacks_own_trigger_and_rate_and_all_to_all_its_own_target_and_rate():
    from backdoor.attacks import SIG, BadNets, PoisonConfig
    from backdoor.matrix import matrix_rows
    from backdoor.scenario import Scenario

    base = Scenario(trigger=BadNets(size=6), poison=PoisonConfig(rate=0.3, target=4, seed=9), data_seed=9)
    sig = matrix_rows()["sig"].scenario(base)
    assert sig.attack == "sig" and sig.trigger == SIG()
    assert sig.poison == PoisonConfig(rate=0.08, target=4, seed=9) and sig.data_seed == 9
    every = matrix_rows()["badnets-all-to-all"].scenario(base)
    assert every.attack == "badnets" and every.trigger == BadNets()
    assert every.poison == PoisonConfig(rate=0.15, target=-1, seed=9)


def test_columns_are_no_defense_then_the_repairing_defenses():
    from backdoor.matrix import column_title, matrix_columns

    assert matrix_columns() == ("none", "activation_clustering", "spectral_signatures", "neural_cleanse",
                                "fine_pruning", "anp", "strip", "scale_up", "abl")  # compression is a study, not a column
    assert column_title("none") == "No defense" and column_title("strip") == "STRIP"


def test_the_base_scenario_seeds_the_poison_like_the_lab_and_unknown_columns_are_refused():
    from backdoor.attacks import PoisonConfig
    from backdoor.matrix import MatrixConfig
    from backdoor.scenario import Scenario

    config = MatrixConfig(dataset="traffic-signs", model="color-cnn", train=TrainConfig(epochs=2), target=3,
                          data_seed=7)
    assert config.base() == Scenario(dataset="traffic-signs", model="color-cnn", train=TrainConfig(epochs=2),
                                     data_seed=7, poison=PoisonConfig(target=3, seed=7))
    assert config.scenario("blended").poison == PoisonConfig(rate=0.1, target=3, seed=7)
    with pytest.raises(ValueError, match="Unknown matrix rows or columns: \\['compression'\\]"):
        MatrixConfig(columns=("none", "compression"))
    with pytest.raises(ValueError, match="\\['nope', 'nada'\\]"):
        MatrixConfig(rows=("badnets", "nope"), columns=("nada",))


def test_the_matrix_for_a_scenario_keeps_its_data_model_training_and_target_and_all_to_all_goes_to_zero():
    from backdoor.attacks import PoisonConfig
    from backdoor.matrix import MatrixConfig, config_for
    from backdoor.scenario import Scenario

    train = TrainConfig(epochs=2, seed=4)
    scenario = Scenario(model="color-cnn", train=train, poison=PoisonConfig(target=7), data_seed=5)
    assert config_for(scenario, "mnist-5k") == MatrixConfig(dataset="mnist-5k", model="color-cnn", train=train,
                                                           target=7, data_seed=5)
    every = Scenario(poison=PoisonConfig(target=-1, rate=0.15))
    assert config_for(every, "traffic-signs") == MatrixConfig(dataset="traffic-signs", target=0)


def _cell(attack, defense, asr, clean_acc=0.9, drop=0.0):
    from backdoor.matrix import Cell

    return Cell(attack, defense, clean_acc, asr, drop, 1.0, "x")


def _table(cells, rows=("badnets",)):
    from backdoor.matrix import AttackRow, Matrix

    return Matrix("k", "mnist-5k", 0.95, [AttackRow(r, 0.1, 100, 0.9, 0.99, 3.0) for r in rows], cells, 4.5)


def test_a_cell_is_low_at_ten_percent_or_less():
    assert _cell("badnets", "strip", 0.1).low and _cell("badnets", "strip", 0.0).low
    assert not _cell("badnets", "strip", 0.11).low


def test_a_defense_stopped_an_attack_that_worked_at_half_or_more_and_fell_to_ten_percent():
    table = _table([_cell("badnets", "none", 0.5), _cell("badnets", "strip", 0.1), _cell("badnets", "fine_pruning", 0.2),
                    _cell("sig", "none", 0.49), _cell("sig", "strip", 0.0)], rows=("badnets", "sig"))
    assert table.stopped("badnets", "strip") is True
    assert table.stopped("badnets", "fine_pruning") is False  # still 20%
    assert table.stopped("sig", "strip") is False  # it never worked (49%)
    assert table.stopped("badnets", "neural_cleanse") is False  # no such cell
    assert _table([_cell("badnets", "strip", 0.0)]).stopped("badnets", "strip") is False  # no "none" cell


def test_cells_and_grids_are_found_by_attack_and_defense_with_nan_where_missing():
    import math

    table = _table([_cell("badnets", "none", 0.99, drop=0.02), _cell("badnets", "strip", 0.05, drop=-0.01),
                    _cell("sig", "none", 0.8, drop=0.0), _cell("sig", "fine_pruning", 0.3, drop=0.5)],
                   rows=("badnets", "sig"))
    assert table.cell("sig", "none").asr == 0.8 and table.cell("badnets", "none").asr == 0.99
    assert table.cell("sig", "strip") is None and table.cell("wanet", "none") is None
    assert table.attacks == ["badnets", "sig"] and table.defenses == ["none", "strip", "fine_pruning"]
    grid = table.grid("asr")
    assert grid[0][:2] == [0.99, 0.05] and math.isnan(grid[0][2])
    assert math.isnan(grid[1][1]) and [grid[1][0], grid[1][2]] == [0.8, 0.3]
    drops = table.grid("drop")
    assert drops[1][0] == 0.0 and drops[1][2] == 0.5  # a zero is a figure, not a missing cell


def test_the_csv_never_prints_minus_zero():
    table = _table([_cell("badnets", "none", 0.5, drop=-0.0)])
    assert table.to_csv().splitlines()[1] == 'badnets,none,0.5000,0.9000,0.00,1.00,"x"'
    assert table.to_csv().endswith('"x"\n')


def test_a_hand_written_matrix_survives_json_and_the_json_names_its_fields():
    import json

    from backdoor.matrix import Matrix

    table = _table([_cell("badnets", "none", 0.99), _cell("badnets", "activation_clustering", 0.02)])
    table = type(table)(**{**table.__dict__, "cells": [*table.cells[:1], type(table.cells[1])(
        "badnets", "activation_clustering", 0.9, 0.02, 0.05, 2.0, "flagged", found=0.75)]})
    data = json.loads(table.to_json())
    assert data["config_key"] == "k" and data["baseline_clean_acc"] == 0.95 and data["seconds"] == 4.5
    assert data["rows"][0] == {"attack": "badnets", "poison_rate": 0.1, "poisoned_images": 100, "clean_acc": 0.9,
                               "asr": 0.99, "seconds": 3.0}
    assert data["cells"][1]["found"] == 0.75
    assert Matrix.from_json(table.to_json()) == table


def test_a_stored_matrix_is_read_back_and_a_missing_or_damaged_one_is_none(tmp_path, monkeypatch):
    import backdoor.matrix as M

    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    config = M.MatrixConfig(rows=("badnets",), columns=("none",))
    path = M.matrix_path(config)
    assert path.parent.name == "matrix" and path.name == f"mnist-5k-{config.key()}.json"
    assert M.load_matrix(config) is None  # nothing stored yet
    table = _table([_cell("badnets", "none", 0.99)])
    assert M.save_matrix(config, table) == path and path.exists()
    assert M.load_matrix(config) == table
    assert M.matrix(None, config) == table  # read, not computed (there is no data to compute it on)
    for damaged in ("{ not json", "{}", '{"config_key": 1}', "[]"):
        path.write_text(damaged)
        assert M.load_matrix(config) is None, damaged


def test_a_defense_is_described_by_what_it_flagged():
    from backdoor.matrix import _detail
    from backdoor.outcomes import Outcome

    assert _detail(None) == "the backdoored model as trained"
    assert _detail(Outcome(detail="pruned 30% of the channels")) == "pruned 30% of the channels"
    assert _detail(Outcome(flags=object(), flagged=0, caught=0, poisoned=100)) == \
        "flagged no training image, so the model stays as it was"
    assert _detail(Outcome(flags=object(), flagged=80, caught=60, poisoned=100)) == (
        "flagged 80 training images, 60 of them poisoned (precision 75%, recall 60%); retrained without them")
    assert _detail(Outcome(flags=object(), flagged=8, caught=0, poisoned=0)) == (
        "flagged 8 training images, none of them poisoned (nothing was); retrained without them")


def test_flagging_nothing_keeps_the_measured_model_and_a_set_of_flags_is_retrained_once():
    import torch

    from backdoor.matrix import _retrained
    from backdoor.metrics import Evaluation

    before, after = Evaluation(0.9, 0.99), Evaluation(0.88, 0.02)
    assert _retrained(None, torch.zeros(5, dtype=torch.bool), before, {}, lambda *a: None) is before
    flags = torch.tensor([True, False, False, True, False])
    done = {flags.numpy().tobytes(): after}  # this very set was retrained already
    assert _retrained(None, flags.clone(), before, done, lambda *a: None) is after


@pytest.fixture(scope="module")
def stored_matrix(tmp_path_factory):
    """A matrix computed from stored models that answer one class whatever the image (nothing trains):
    the clean model always says 0, the BadNets model 0 (its trigger always "works"), the SIG model 1."""
    from backdoor.matrix import MatrixConfig, matrix
    from stored import store_constant_model, tiny_digits

    tiny = tiny_digits()
    config = MatrixConfig(dataset="tiny", rows=("badnets", "sig", "sticker"),
                          columns=("none", "strip", "spectral_signatures"), train=TrainConfig(epochs=1))
    with pytest.MonkeyPatch.context() as m:
        m.setenv("BACKDOOR_LAB_CACHE", str(tmp_path_factory.mktemp("stored-matrix")))
        store_constant_model(config.base(), "baseline", 0)
        store_constant_model(config.scenario("badnets"), "backdoored", 0)
        store_constant_model(config.scenario("sig"), "backdoored", 1)
        progress = []
        result = matrix(tiny, config, on_progress=lambda d, t, i: progress.append((d, t, i)))
        yield tiny, config, result, progress


def test_a_matrix_of_stored_models_measures_each_cell_on_the_held_out_images_and_reports_each_step(stored_matrix):
    import backdoor.matrix as M

    tiny, config, result, progress = stored_matrix
    labels = tiny.held_out[1].tolist()
    zeros, ones = labels.count(0) / len(labels), labels.count(1) / len(labels)
    assert (len(labels), zeros, ones) == (10, 0.2, 0.1)
    assert result.config_key == config.key() and result.dataset == "digits-tiny"
    assert result.baseline_clean_acc == pytest.approx(zeros)
    assert result.attacks == ["badnets", "sig"]  # the sticker fits only traffic signs
    assert result.defenses == ["none", "strip", "spectral_signatures"]
    badnets, sig = result.rows
    # 10% and 8% of 40 training images, rounded
    assert (badnets.attack, badnets.poison_rate, badnets.poisoned_images) == ("badnets", 0.1, 4)
    assert (sig.attack, sig.poison_rate, sig.poisoned_images) == ("sig", 0.08, 3)
    assert (badnets.clean_acc, badnets.asr) == (pytest.approx(zeros), 1.0)  # every triggered image goes to 0
    assert (sig.clean_acc, sig.asr) == (pytest.approx(ones), 0.0)  # none does
    assert 0 < badnets.seconds < 600 and badnets.seconds + sig.seconds <= result.seconds < 600  # this run's time
    none = result.cell("sig", "none")
    assert (none.clean_acc, none.asr, none.seconds, none.found) == (pytest.approx(ones), 0.0, 0.0, None)
    assert none.detail == "the backdoored model as trained"
    assert none.drop == pytest.approx(zeros - ones)  # 10 points below the clean model
    assert result.cell("badnets", "none").drop == pytest.approx(0.0)
    strip = result.cell("badnets", "strip")
    assert strip.detail.startswith("rejects") and strip.seconds > 0 and strip.found is None
    # a data inspection that flags nothing keeps the model as measured, and found none of the poison
    inspected = result.cell("sig", "spectral_signatures")
    assert (inspected.clean_acc, inspected.asr, inspected.found) == (pytest.approx(ones), 0.0, 0.0)
    assert inspected.detail == "flagged no training image, so the model stays as it was" and inspected.seconds > 0
    for cell in result.cells:
        assert cell.drop == pytest.approx(result.baseline_clean_acc - cell.clean_acc)
        assert 0 <= cell.seconds < 600
    assert M.load_matrix(config) == result  # stored as it was computed
    # (the progress is checked here too: mutation testing runs only the first test of a shared fixture)
    # a clean model, then 2 rows x 3 columns, then the 2 defenses on the clean model, in hundredths
    assert {t for _, t, _ in progress} == {900}
    dones = [d for d, _, _ in progress]
    assert dones == sorted(dones) and progress[-1] == (900, 900, "done")
    labels = list(dict.fromkeys(label for _, _, label in progress))
    assert labels == ["BadNets: STRIP", "BadNets: Spectral Signatures", "BadNets: done",
                      "SIG (clean-label): STRIP", "SIG (clean-label): Spectral Signatures", "SIG (clean-label): done",
                      "Clean model: STRIP", "Clean model: Spectral Signatures", "done"]
    assert (399, 700 + 200, "BadNets: done") in progress and (699, 900, "SIG (clean-label): done") in progress
    assert min(d for d, _, label in progress if label == "SIG (clean-label): STRIP") >= 500
    assert min(d for d, _, label in progress if label == "Clean model: STRIP") >= 700


@pytest.fixture
def unit_costs(monkeypatch, tmp_path):
    """Every unit of work (a training step, an image through the model, a stamp...) priced at one
    millisecond, as if measured so on this machine, and an empty store."""
    from backdoor import timing

    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    monkeypatch.setattr(timing.MEASURED, "get", lambda key, measure: 0.001)


def test_the_matrix_estimate_counts_a_clean_model_then_each_rows_training_and_defenses(unit_costs):
    from backdoor import estimates as E
    from backdoor.defenses.registry import DEFENSES
    from backdoor.matrix import MatrixConfig, estimate
    from stored import store_constant_model

    shape = E.DataShape("mnist-5k", train=40, test=20, image_shape=(1, 28, 28), num_classes=10)
    plain = MatrixConfig(rows=("badnets",), columns=("none",), false_alarms=False)
    base, scenario = plain.base(), plain.scenario("badnets")
    clean_model = (E.evaluation_seconds(shape, base, "cpu", 10, asr=False)
                   + E.training_seconds(shape, base.baseline(), "cpu", measure_asr=False))
    attack = E.evaluation_seconds(shape, scenario, "cpu", 10) + E.training_seconds(shape, scenario, "cpu")
    found = estimate(shape, plain, "cpu")
    assert found.computed == pytest.approx(clean_model + attack) and clean_model > 0 and attack > 0
    assert found.signature == repr(("matrix", (shape, plain, "cpu")))
    # a row that does not fit the data set costs nothing; another row costs its own training
    assert estimate(shape, MatrixConfig(rows=("badnets", "sticker"), columns=("none",)), "cpu").computed == \
        pytest.approx(found.computed)
    sig = MatrixConfig(rows=("sig",), columns=("none",))
    with_sig = estimate(shape, MatrixConfig(rows=("badnets", "sig"), columns=("none",), false_alarms=False),
                        "cpu").computed
    assert with_sig == pytest.approx(found.computed + E.evaluation_seconds(shape, sig.scenario("sig"), "cpu", 10)
                                     + E.training_seconds(shape, sig.scenario("sig"), "cpu"))
    # each defense at the row's poison rate; one retraining after the data inspections, however many
    settings = {"expected_fraction": 0.1}
    strip = DEFENSES["strip"].seconds(shape, scenario, "cpu", settings)
    assert estimate(shape, MatrixConfig(rows=("badnets",), columns=("none", "strip"), false_alarms=False),
                    "cpu").computed == pytest.approx(found.computed + strip)
    inspections = sum(DEFENSES[d].seconds(shape, scenario, "cpu", settings)
                      for d in ("activation_clustering", "spectral_signatures"))
    both = MatrixConfig(rows=("badnets",), columns=("none", "activation_clustering", "spectral_signatures"),
                        false_alarms=False)
    assert estimate(shape, both, "cpu").computed == pytest.approx(
        found.computed + inspections + E.retrain_seconds(shape, scenario, "cpu"))
    # the false alarms: every defense once more on the clean model, and its one retraining
    clean = both.clean_scenario()
    on_clean = sum(DEFENSES[d].seconds(shape, clean, "cpu", settings)
                   for d in ("activation_clustering", "spectral_signatures")) + E.retrain_seconds(shape, clean, "cpu")
    assert estimate(shape, replace(both, false_alarms=True), "cpu").computed == pytest.approx(
        found.computed + inspections + E.retrain_seconds(shape, scenario, "cpu") + on_clean) and on_clean > 0
    # stored models are read, not trained
    store_constant_model(base, "baseline", 0)
    assert estimate(shape, plain, "cpu").computed == pytest.approx(
        found.computed - E.training_seconds(shape, base.baseline(), "cpu", measure_asr=False))
    store_constant_model(scenario, "backdoored", 0)
    assert estimate(shape, plain, "cpu").computed == pytest.approx(
        E.evaluation_seconds(shape, base, "cpu", 10, asr=False) + E.evaluation_seconds(shape, scenario, "cpu", 10))
