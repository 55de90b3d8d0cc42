"""The attack x defense matrix: measured cells, files on disk, its key and its rows."""

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


def test_matrix_csv_and_json_round_trip(tiny_matrix):
    from backdoor.matrix import Matrix

    _, result, _ = tiny_matrix
    csv = result.to_csv().splitlines()
    assert csv[0].startswith("attack,defense,asr_after") and len(csv) == 7
    assert Matrix.from_json(result.to_json()) == result


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
    assert table.to_csv().splitlines()[1:] == [
        'badnets,none,0.9900,0.9300,2.00,0.00,"as trained"',
        "badnets,strip,0.0500,0.9600,-1.00,1.50,\"said 'no'\"",
    ]
    assert table.grid("drop") == [[0.02, -0.01]]
