"""One truth per figure: the same model shows the same clean accuracy and ASR everywhere.

Every headline figure is measured on one split, the held-out half of the test set; the
defender's clean half is never used to measure. Training's own final record, the pages'
``trigger_report``, the Defend page's ``Lab.evaluate``, the matrix and the report agree.
"""

from __future__ import annotations

import ast
from pathlib import Path

from backdoor.attacks import PoisonConfig
from backdoor.defenses.lab import Lab
from backdoor.matrix import MatrixConfig, compute_matrix
from backdoor.scenario import Scenario, poisoned_training_set, trigger_report
from backdoor.store import load_or_train
from backdoor.train import TrainConfig
from conftest import ROOT


def test_the_two_halves_of_the_test_split_never_overlap(small_mnist):
    x_def, y_def = small_mnist.defender_set
    x_eval, y_eval = small_mnist.held_out
    assert len(y_def) + len(y_eval) == len(small_mnist.y_test) and len(y_eval) >= len(y_def)
    assert x_def.data_ptr() == small_mnist.x_test.data_ptr()  # the first half
    assert x_eval[0].equal(small_mnist.x_test[small_mnist.defender_size])  # the second half


def test_training_the_pages_the_defend_page_and_the_matrix_agree(small_mnist):
    scenario = Scenario(dataset=small_mnist.name, poison=PoisonConfig(rate=0.1), train=TrainConfig(epochs=2))
    result = load_or_train(small_mnist, scenario, "backdoored")
    final = result.final
    page = trigger_report(result.model, small_mnist, scenario)
    lab = Lab(small_mnist, scenario, result.model, "m", poisoned_training_set(small_mnist, scenario))
    defend = lab.evaluate(lab.model)
    assert (final.clean_acc, final.asr) == (page["clean_acc"], page["asr"]) == (defend.clean_acc, defend.asr)

    # The matrix's row for the same settings is the very same stored model, so its figures too.
    config = MatrixConfig(dataset=small_mnist.name, rows=("badnets",), columns=("none",), train=scenario.train)
    assert config.scenario("badnets") == scenario
    cell = compute_matrix(small_mnist, config).cell("badnets", "none")
    assert (cell.clean_acc, cell.asr) == (defend.clean_acc, defend.asr)


def test_the_matrix_row_at_the_sidebar_seed_is_the_pages_own_scenario():

    seed = 5
    config = MatrixConfig(data_seed=seed, train=TrainConfig(seed=seed))
    page = Scenario(poison=PoisonConfig(rate=0.1, target=0, seed=seed), train=TrainConfig(seed=seed), data_seed=seed)
    assert config.scenario("badnets") == page


def test_every_chart_hides_the_toolbar_that_covers_titles():
    """Each st.plotly_chart call in the app passes config=CHART_CONFIG."""
    calls = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]:
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "plotly_chart":
                calls.append((path.name, node.lineno, {k.arg for k in node.keywords}))
    assert len(calls) >= 10
    assert all("config" in keywords for _, _, keywords in calls), [c for c in calls if "config" not in c[2]]


def test_the_sweep_axis_names_every_count_in_full():
    from backdoor.sweep import SweepPoint
    from ui.sweep import sweep_chart

    points = [SweepPoint(n, n / 4000, 0.97, min(1.0, n / 50), 1.0) for n in (5, 10, 25, 50, 100, 200, 400)]
    axis = sweep_chart(points, 4000).layout.xaxis
    assert list(axis.tickvals) == [5, 10, 25, 50, 100, 200, 400] and list(axis.ticktext)[-1] == "400"


def test_the_matrix_heat_map_and_cell_detail_share_one_sign():
    from backdoor.matrix import AttackRow, Cell, Matrix
    from ui.matrix_view import heatmap
    from ui.words import metric_delta

    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0)]
    cells = [Cell("badnets", "none", 0.97, 1.0, 0.006, 0.0, "as trained"),
             Cell("badnets", "strip", 0.982, 0.0, -0.006, 2.0, "rejects")]
    matrix = Matrix("k", "mnist-5k", 0.976, rows, cells, 10.0)
    text = heatmap(matrix, "drop", "t", "Blues", 10).data[0].text
    assert list(text[0]) == ["0.6", "-0.6"]  # points lost: positive = worse, no "+"
    cells = [Cell("badnets", "none", 0.97, 0.998, 0.006, 0.0, "as trained"),
             Cell("badnets", "strip", 0.982, 0.002, -0.006, 2.0, "rejects")]
    shown = heatmap(Matrix("k", "mnist-5k", 0.976, rows, cells, 10.0), "asr", "t", "Reds", 100).data[0].text
    assert list(shown[0]) == [">99%", "<1%"]  # an attack that still works a little is never shown at 0% or 100%
    assert metric_delta(matrix.baseline_clean_acc, 0.97, words=("gained", "lost"))["delta"] == "0.6 points lost"
    assert metric_delta(matrix.baseline_clean_acc, 0.982, words=("gained", "lost"))["delta"] == "0.6 points gained"
    assert ",0.60," in matrix.to_csv().splitlines()[1] and "clean_accuracy_lost_points" in matrix.to_csv()
