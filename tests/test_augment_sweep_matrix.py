"""Training options (shifts, mixup), the poison-rate sweep, and the attack x defense matrix."""

import math

import pytest
import torch

from backdoor.augment import mixup, random_shift
from backdoor.train import TrainConfig


def test_random_shift_moves_images_by_at_most_the_limit():
    x = torch.zeros(50, 1, 10, 10)
    x[:, :, 4:6, 4:6] = 1.0
    out = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    for image in out:
        rows, cols = torch.nonzero(image[0], as_tuple=True)
        assert len(rows) == 4  # nothing lost, nothing added
        assert 2 <= rows.min() <= 6 and 2 <= cols.min() <= 6
    assert len({tuple(torch.nonzero(i[0])[0].tolist()) for i in out}) > 5  # really random
    assert torch.equal(random_shift(x, 0, torch.Generator()), x)


def test_mixup_blends_pairs_with_one_lambda():
    x = torch.stack([torch.full((1, 4, 4), float(i)) for i in range(8)])
    y = torch.arange(8)
    mixed, y_a, y_b, lam = mixup(x, y, 0.4, torch.Generator().manual_seed(1))
    assert 0 <= lam <= 1 and torch.equal(y_a, y)
    assert torch.allclose(mixed[:, 0, 0, 0], lam * y.float() + (1 - lam) * y_b.float())
    again = mixup(x, y, 0.4, torch.Generator().manual_seed(1))
    assert again[3] == lam and torch.equal(again[2], y_b)


def test_training_options_are_validated_and_train(small_mnist):
    from backdoor.train import train
    from models import build_model

    with pytest.raises(ValueError, match="mixup"):
        TrainConfig(mixup=-1)
    torch.manual_seed(0)
    model = build_model("small-cnn", small_mnist.image_shape, 10)
    result = train(model, small_mnist.x_train[:256], small_mnist.y_train[:256],
                   TrainConfig(epochs=1, augment=True, mixup=0.4))
    assert len(result.history) == 1 and math.isfinite(result.history[0].loss)


def test_sweep_counts_go_from_a_handful_to_ten_percent():
    from backdoor.sweep import sweep_counts

    assert sweep_counts(4000, 3600) == [5, 10, 25, 50, 100, 200, 400]
    assert sweep_counts(4000, 300) == [5, 10, 25, 50, 100, 200]  # never beyond what can be poisoned
    assert sweep_counts(30, 30) == [1, 2, 3, 5, 10]  # nor beyond half a tiny training set


def test_poison_rate_sweep_asr_grows_with_the_poison(small_mnist):
    from backdoor.attacks import PoisonConfig
    from backdoor.scenario import Scenario
    from backdoor.sweep import poison_rate_sweep

    calls = []
    scenario = Scenario(poison=PoisonConfig(rate=0.1), train=TrainConfig(epochs=2))
    points = poison_rate_sweep(small_mnist, scenario, [2, 100], on_progress=lambda d, t, i: calls.append((d, t)))
    assert [p.poisoned_images for p in points] == [2, 100]
    assert points[1].asr > points[0].asr and points[1].asr > 0.8
    assert calls[-1][0] == calls[-1][1]
    stopped = poison_rate_sweep(small_mnist, scenario, [2, 100], should_stop=lambda: True)
    assert stopped == []


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


def _hand_matrix(strip_asr_on_wanet: float):
    from backdoor.matrix import AttackRow, Cell, Matrix

    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0), AttackRow("wanet", 0.15, 600, 0.97, 0.94, 7.0)]
    cells = [
        Cell("badnets", "none", 0.97, 1.0, 0.004, 0.0, "as trained"),
        Cell("badnets", "strip", 0.92, 0.0, 0.05, 2.0, "rejects"),
        Cell("wanet", "none", 0.97, 0.94, 0.004, 0.0, "as trained"),
        Cell("wanet", "strip", 0.93, strip_asr_on_wanet, 0.04, 2.0, "rejects"),
    ]
    return Matrix("k", "mnist-5k", 0.976, rows, cells, 10.0)


def test_the_matrix_is_read_from_its_own_numbers():
    from ui.matrix_view import read_matrix

    missed = read_matrix(_hand_matrix(0.9))
    assert "No defense took **WaNet**" in missed and "1 of 2: BadNets" in missed
    assert "No single defense stopped every attack" in missed
    caught = read_matrix(_hand_matrix(0.05))
    assert "2 of 2" in caught and "stopped every attack that worked" in caught
    assert "4.0 to 5.0 points" in caught


def test_the_reading_says_when_a_few_missed_images_keep_the_backdoor():
    from backdoor.matrix import AttackRow, Cell, Matrix
    from ui.matrix_view import read_matrix

    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0)]
    cells = [Cell("badnets", "none", 0.97, 1.0, 0.0, 0.0, "as trained"),
             Cell("badnets", "activation_clustering", 0.97, 0.9, 0.0, 9.0, "flagged 372", found=0.93)]
    text = read_matrix(Matrix("k", "mnist-5k", 0.97, rows, cells, 10.0))
    assert "found 93% of the images poisoned by BadNets, yet the backdoor survived" in text and "the 28 it missed" in text
