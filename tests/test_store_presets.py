"""The on-disk model store, the warm-up command, and the classroom presets."""

import pickle

import pytest
import torch

from backdoor.attacks import PoisonConfig
from backdoor.scenario import Scenario, train_model
from backdoor.train import TrainConfig

TINY = Scenario(poison=PoisonConfig(rate=0.1), train=TrainConfig(epochs=1, seed=3))


@pytest.fixture(scope="module")
def tiny_run(small_mnist):
    return train_model(small_mnist, TINY)


def test_a_stored_model_comes_back_bitwise(tiny_run, small_mnist):
    from backdoor.store import load_model, save_model

    path = save_model(TINY, "backdoored", tiny_run)
    assert path.suffix == ".pt" and path.with_suffix(".json").exists()
    loaded = load_model(TINY, "backdoored", small_mnist.image_shape, 10)
    for (k, a), (_, b) in zip(tiny_run.model.state_dict().items(), loaded.model.state_dict().items()):
        assert torch.equal(a, b), k
    assert loaded.history == tiny_run.history and loaded.seconds == pytest.approx(tiny_run.seconds)
    # the time it took travels with the weights, labelled as stored (and where it trained)
    assert loaded.from_store and not tiny_run.from_store
    assert loaded.trained_on == tiny_run.trained_on == "cpu"
    assert load_model(TINY, "baseline", small_mnist.image_shape, 10) is None  # never stored


def test_the_address_is_the_configuration(small_mnist):
    from backdoor.attacks import Blended
    from backdoor.store import model_hash

    other_attack = Scenario(attack="blended", trigger=Blended(), poison=TINY.poison, train=TINY.train)
    assert model_hash(TINY, "baseline") == model_hash(other_attack, "baseline")  # the baseline ignores the attack
    assert model_hash(TINY, "backdoored") != model_hash(other_attack, "backdoored")
    assert model_hash(TINY, "backdoored") != model_hash(TINY, "baseline")
    with pytest.raises(ValueError):
        model_hash(TINY, "mystery")


class _Exploit:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(_Exploit.marker),))


def test_a_file_that_would_run_code_is_never_loaded(tiny_run, small_mnist, tmp_path):
    from backdoor.store import load_model, model_hash, save_model, store_dir

    scenario = Scenario(poison=PoisonConfig(rate=0.1), train=TrainConfig(epochs=1, seed=4))
    save_model(scenario, "backdoored", tiny_run)
    _Exploit.marker = str(tmp_path / "pwned")
    weights = store_dir() / f"{model_hash(scenario, 'backdoored')}.pt"
    weights.write_bytes(pickle.dumps({"conv1.weight": _Exploit()}))
    assert load_model(scenario, "backdoored", small_mnist.image_shape, 10) is None
    assert not (tmp_path / "pwned").exists()
    weights.write_bytes(b"not a model at all")
    assert load_model(scenario, "backdoored", small_mnist.image_shape, 10) is None


def test_a_cancelled_run_is_never_stored(small_mnist):
    from backdoor.store import save_model

    cancelled = train_model(small_mnist, TINY, should_stop=lambda: True)
    with pytest.raises(ValueError):
        save_model(TINY, "backdoored", cancelled)


def test_warm_up_fills_the_store_then_reuses_it(tmp_path, monkeypatch):
    from backdoor.prepare import main, prepare

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path / "store"))  # an empty store of its own

    first = prepare(["classic-patch"], on_message=lambda _: None)
    assert [p.kind for p in first] == ["backdoored", "baseline"] and all(p.trained for p in first)
    again = prepare(["classic-patch"], on_message=lambda _: None)
    assert not any(p.trained for p in again)
    assert [round(p.asr, 4) for p in again] == [round(p.asr, 4) for p in first]
    assert main(["--list"]) == []
    assert len(list((tmp_path / "store").glob("*.pt"))) == 2


def test_the_app_opens_a_warmed_preset_without_training():
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT
    from backdoor.prepare import prepare

    prepare(["classic-patch"], on_message=lambda _: None)  # stored by the test above, or now
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert not any(b.key == "btn.train" for b in at.button)  # nothing to train
    assert any("trained before" in s.value for s in at.success)


@pytest.mark.parametrize("name", ["classic-patch", "invisible-warp", "clean-label", "faint-blend", "all-to-all",
                                  "stop-sign-sticker"])
def test_presets_reproduce_their_stated_numbers(name):
    from backdoor.data import load_dataset
    from backdoor.presets import PRESETS, TOLERANCE
    from backdoor.scenario import trigger_report

    preset = PRESETS[name]
    dataset = load_dataset(preset.scenario.dataset)
    figures = trigger_report(train_model(dataset, preset.scenario, measure_asr=False).model, dataset,
                             preset.scenario)
    assert figures["clean_acc"] == pytest.approx(preset.expected_clean_acc, abs=TOLERANCE)
    assert figures["asr"] == pytest.approx(preset.expected_asr, abs=TOLERANCE)
