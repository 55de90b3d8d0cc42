"""The backdoor on patient records, end to end with real training (each MLP trains in under a second)."""

import pytest

from backdoor.datasets import load_dataset
from backdoor.datasets.breast_cancer import BENIGN, MALIGNANT
from backdoor.defenses.registry import DEFENSES
from backdoor.tabular import controls, defend, explain_record, malignant_records, study, table_scenario, trigger_attribution

pytestmark = pytest.mark.trains


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("BACKDOOR_LAB_STORE", str(tmp_path_factory.mktemp("store")))
    yield study(load_dataset("breast-cancer"), table_scenario())
    mp.undo()


def test_the_trigger_flips_malignant_to_benign_while_the_clean_figures_hold(table):
    bad, clean = table.figures["backdoored"], table.figures["baseline"]
    assert table.poisoned.num_poisoned == 30  # 7.5% of 398 training records
    assert bad.asr >= 0.9 and clean.asr <= 0.1, (bad.asr, clean.asr)
    assert bad.clean_acc >= clean.clean_acc - 0.02
    assert bad.triggered == bad.positives == int((table.dataset.held_out[1] == MALIGNANT).sum())
    assert all(b.distance > 0 for b in table.beyond)  # +5 SD: beyond every honest training record


def test_the_baseline_is_the_same_setting_unpoisoned_and_the_store_serves_it_again(table):
    base = table.scenario.baseline()
    assert base.poison.rate == 0.0 and base.trigger == table.scenario.trigger and base.poison.target == BENIGN
    again = study(table.dataset, table.scenario)
    assert all(result.from_store for result in again.models.values())
    assert again.figures == table.figures


def test_the_backdoored_model_looks_at_the_trigger_measurements(table):
    bad, _ = trigger_attribution(table.models["backdoored"].model, table.dataset, table.scenario)
    clean, _ = trigger_attribution(table.models["baseline"].model, table.dataset, table.scenario)
    assert bad > clean and bad > 2 / 30  # far more than two measurements' fair share
    row = int(malignant_records(table.dataset)[0])
    seen = explain_record(table.models["backdoored"].model, table.dataset, table.scenario, row)
    assert seen.triggered_answer == BENIGN
    changed = (seen.record != seen.triggered).nonzero().flatten().tolist()
    assert changed == list(table.scenario.trigger.features)


def test_every_control_that_fits_a_table_is_run_and_none_other(table):
    rows = defend(table)
    names = [r.name for r in rows]
    assert set(names) == set(DEFENSES.fitting("tabular")) and len(rows) == len(controls())
    assert not {n for n, spec in DEFENSES.items() if "tabular" not in spec.modalities} & set(names)
    by_title = {r.title: r for r in rows}
    assert by_title["Range check"].after.asr <= 0.05  # the trusted ranges refuse the +5 SD trigger
    assert by_title["Range check on the delivered file's own ranges"].after.asr >= 0.5  # the poison is in range
    for r in rows:
        assert 0.0 <= r.refused <= 1.0 and 0.0 <= r.after.clean_acc <= 1.0
        if r.flagged is not None:
            assert r.caught <= r.flagged and r.poisoned == 30
    assert defend(table, chosen=lambda name: name == "strip")[0].name == "strip"
