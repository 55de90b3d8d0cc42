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
    assert MatrixConfig().key() == MatrixConfig().key() != MatrixConfig(target=3).key()
