"""The model store: bitwise round trips, addressed by configuration, never running code."""

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


class _Exploit:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(_Exploit.marker),))


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
