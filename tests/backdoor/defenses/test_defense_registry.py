"""Every registered defense meets the contract: its words, settings, run and cost, and a result that
depends only on its inputs and config."""

import dataclasses
import random

import numpy as np
import pytest
import torch
from torch import nn

from conftest import stir_global_random_state

from backdoor.defenses.common import no_progress
from backdoor.defenses.lab import Lab
from backdoor.defenses.registry import DEFENSES
from backdoor.scenario import poisoned_training_set


@pytest.fixture(scope="module")
def poisoned(small_mnist, trained_pair):
    scenario, _, _ = trained_pair
    return poisoned_training_set(small_mnist, scenario)


def global_random_state() -> tuple:
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    return torch.get_rng_state().clone(), (kind, keys.tobytes(), position, has_gauss, gauss), random.getstate()


def fingerprint(value):
    """Every figure a defense's result holds as plain comparable values (tensors and weights
    as their bytes, floats by repr so NaN equals NaN); wall-clock seconds left out."""
    if isinstance(value, torch.Tensor):
        return str(value.dtype), tuple(value.shape), value.detach().cpu().contiguous().numpy().tobytes()
    if isinstance(value, np.ndarray):
        return str(value.dtype), value.shape, value.tobytes()
    if isinstance(value, nn.Module):
        return fingerprint(value.state_dict())
    if dataclasses.is_dataclass(value):
        return tuple((f.name, fingerprint(getattr(value, f.name))) for f in dataclasses.fields(value)
                     if f.name not in ("seconds", "run_id"))
    if isinstance(value, dict):
        return tuple((key, fingerprint(item)) for key, item in value.items() if not str(key).endswith("seconds"))
    if isinstance(value, (list, tuple)):
        return tuple(fingerprint(item) for item in value)
    if isinstance(value, float):
        return repr(value)
    return value


@pytest.fixture(scope="module")
def small_lab(small_mnist, trained_pair, poisoned):
    scenario, backdoored, _ = trained_pair
    return Lab(small_mnist, scenario, backdoored.model, "test", poisoned)


def test_every_registered_defense_has_its_settings_run_cost_and_words():
    for name, spec in DEFENSES.items():
        assert spec.name == name and dataclasses.is_dataclass(spec.config) and callable(spec.run)
        assert spec.paper.startswith("https://") and spec.looks_at and spec.fails_when and spec.stage
        for key, field in spec.settings.items():  # a page's setting really sets one of its config's fields
            assert field in {f.name for f in dataclasses.fields(spec.config)}, (name, key)


@pytest.fixture(scope="module")
def table_lab(tmp_path_factory):
    """The patient records with their backdoored MLP (trained in under a second, into a private store)."""
    import os

    from backdoor.datasets import load_dataset
    from backdoor.tabular import study, table_scenario

    before = os.environ.get("BACKDOOR_LAB_STORE")
    os.environ["BACKDOOR_LAB_STORE"] = str(tmp_path_factory.mktemp("store"))
    try:
        records = load_dataset("breast-cancer")
        table = study(records, table_scenario())
    finally:
        if before is None:
            os.environ.pop("BACKDOOR_LAB_STORE")
        else:
            os.environ["BACKDOOR_LAB_STORE"] = before
    return Lab(records, table.scenario, table.models["backdoored"].model, "table", table.poisoned)


def test_the_serving_time_monitors_say_so():
    """A monitor refuses requests and leaves the model as it was: the Defend page's summary calls it a monitor."""
    assert {name for name, spec in DEFENSES.items() if spec.monitor} == {"strip", "scale_up", "range_check"}
    assert all(spec.repairs for spec in DEFENSES.values() if spec.monitor)  # each is judged beside the repairs


def test_every_defense_declares_the_data_it_runs_on():
    assert all(spec.modalities and set(spec.modalities) <= {"image", "tabular"} for spec in DEFENSES.values())
    assert set(DEFENSES.fitting("tabular")) == {"activation_clustering", "spectral_signatures", "strip", "range_check"}
    assert "range_check" not in DEFENSES.fitting("image")


@pytest.mark.trains
@pytest.mark.parametrize("name", list(DEFENSES.fitting("tabular")))
def test_every_defense_that_declares_tables_runs_on_the_patient_records(name, table_lab):
    settings = {"expected_fraction": 0.075}
    first = DEFENSES[name].apply(table_lab, settings, no_progress)
    assert first.after is not None or first.flags is not None
    assert first.monitor == (name in ("strip", "range_check"))  # the summary calls a monitor a monitor
    if first.flags is not None:  # a data inspection: it flags most of the 30 poisoned records, few others
        assert first.caught >= 25 and first.flagged - first.caught <= 10, (first.flagged, first.caught)
    stir_global_random_state()
    assert fingerprint(DEFENSES[name].apply(table_lab, settings, no_progress)) == fingerprint(first)


@pytest.mark.parametrize("name", list(DEFENSES.fitting("image")))
def test_a_defense_depends_only_on_its_inputs_and_config(name, small_lab, quick_defenses):
    """Run twice, the second time with the global generators stirred (as earlier work in the
    process leaves them): bitwise the same result and "after" figures, and the global random
    state left as the defense found it (so it cannot shift whatever runs next either)."""
    settings = {"expected_fraction": 0.1}
    first = DEFENSES[name].apply(small_lab, settings, no_progress)
    stir_global_random_state()
    before = global_random_state()
    again = DEFENSES[name].apply(small_lab, settings, no_progress)
    assert first.monitor == DEFENSES[name].monitor
    assert fingerprint(global_random_state()) == fingerprint(before)
    assert fingerprint(again) == fingerprint(first)
