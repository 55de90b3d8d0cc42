"""Shared fixtures: an isolated cache folder, the real mnist-5k set, and a fast scenario."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

# One private cache for the whole run: tests never read or write the user's own cache.
_CACHE = Path(tempfile.mkdtemp(prefix="backdoor-lab-test-cache-"))
os.environ["BACKDOOR_LAB_CACHE"] = str(_CACHE)
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

ROOT = Path(__file__).resolve().parent.parent

# Fixtures that train a model: a test using one is marked ``trains`` (as are tests that train in
# their own body, by hand), so `make mutate` can run the fast tests alone.
TRAINING_FIXTURES = frozenset({"trained_pair", "tiny_matrix", "tiny_run"})


def pytest_collection_modifyitems(items):
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.trains)


def stir_global_random_state() -> None:
    """Leave the global generators where some earlier work in the process might have left them."""
    torch.manual_seed(12345)
    torch.rand(17)
    np.random.seed(6789)
    np.random.rand(5)
    random.seed(4242)
    random.random()


def quick_configs() -> dict:
    """Short settings for the slow defenses: every code path still runs. Neural Cleanse's defaults take
    seconds per run; a short search with two rounds of unlearning still searches the suspect again in
    between. ANP: fewer mask updates."""
    from backdoor.defenses.anp import AnpConfig
    from backdoor.defenses.neural_cleanse import NeuralCleanseConfig

    return {"neural_cleanse": NeuralCleanseConfig(steps=30, batch_size=8, clean_samples=64, unlearn_epochs=1,
                                                  unlearn_rounds=2),
            "anp": AnpConfig(steps=20)}


@pytest.fixture
def quick_defenses(monkeypatch):
    """The registry with :func:`quick_configs` in place of the slow defenses' defaults, for this test."""
    import dataclasses

    from backdoor.defenses.registry import DEFENSES

    for name, config in quick_configs().items():
        monkeypatch.setitem(DEFENSES, name, dataclasses.replace(DEFENSES[name], config=config))
    return DEFENSES


@pytest.fixture(scope="session")
def mnist():
    from backdoor.datasets import load_dataset

    return load_dataset("mnist-5k", seed=0)


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """1,000 training and 300 test digits: enough to learn a backdoor in a few seconds."""
    from backdoor.datasets import Dataset

    return Dataset(
        name="mnist-5k-small",  # its own name: models it trains never share a store entry with the real set's
        x_train=mnist.x_train[:1000],
        y_train=mnist.y_train[:1000],
        x_test=mnist.x_test[::3][:300],
        y_test=mnist.y_test[::3][:300],
        classes=mnist.classes,
        description=mnist.description,
    )


@pytest.fixture(scope="session")
def trained_pair(small_mnist):
    """A backdoored model and its clean baseline on the small set (BadNets 10%, target 0)."""
    from backdoor.attacks import PoisonConfig
    from backdoor.scenario import Scenario, train_model
    from backdoor.train import TrainConfig

    scenario = Scenario(poison=PoisonConfig(rate=0.1, target=0), train=TrainConfig(epochs=3, seed=0))
    backdoored = train_model(small_mnist, scenario)
    baseline = train_model(small_mnist, scenario.baseline(), measure_asr=False)
    return scenario, backdoored, baseline


@pytest.fixture(scope="session")
def postgres_url():
    """One real PostgreSQL server for the whole run (tests/postgres.py)."""
    from benchmarks.postgres import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def class_db(request, tmp_path):
    """A migrated classroom database on each backend: a fresh SQLite file, and the real PostgreSQL."""
    from backdoor.classroom.db import open_database

    url = f"sqlite:///{tmp_path / 'classroom.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue(
        "postgres_url")
    db = open_database(url)
    yield db
    db.engine.dispose()


@pytest.fixture(scope="session")
def warm_store(tmp_path_factory):
    """A model store holding the default scenario's two models and its matrix, as `make warm` leaves
    it, for the browser tests that open a warmed server (trained once per test session).

    tests/browser/matrix-default.json is `matrix(MatrixConfig())` measured on a 2-core machine (AMD EPYC) on
    2026-12-01, and matrix-seed1/2.json the same on seeds 1 and 2 (`backdoor.matrix_seeds`; their
    computation is tested in tests/backdoor/test_matrix.py); the browser tests read them as a warmed
    server would, instead of spending many minutes recomputing them.
    """
    from backdoor.datasets import load_dataset
    from backdoor.matrix import Matrix, MatrixConfig, save_matrix
    from backdoor.matrix_seeds import seed_config
    from backdoor.scenario import Scenario
    from backdoor.store import load_or_train

    store = tmp_path_factory.mktemp("warm-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BACKDOOR_LAB_STORE", str(store))
        digits = load_dataset("mnist-5k")
        for kind in ("backdoored", "baseline"):
            load_or_train(digits, Scenario(), kind)
        save_matrix(MatrixConfig(), Matrix.from_json((ROOT / "tests" / "browser" / "matrix-default.json").read_text()))
        for seed in (1, 2):  # the Matrix page's luck section, as `make warm` leaves it
            save_matrix(seed_config(MatrixConfig(), seed),
                        Matrix.from_json((ROOT / "tests" / "browser" / f"matrix-seed{seed}.json").read_text()))
    return store


@pytest.fixture(scope="session")
def warm_server(warm_store, tmp_path_factory):
    """One `streamlit run` over the warmed store for the whole session, for the browser walks that
    only read it (tests/browser/test_accessibility.py, test_browser_phone.py, test_browser_keyboard.py,
    test_browser_matrix.py)."""
    from benchmarks.load import serve

    with serve(warm_store, tmp_path_factory.mktemp("warm-server") / "streamlit.log") as running:
        yield running
