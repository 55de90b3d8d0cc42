"""make warm: the store is filled ahead of class, then reused."""


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


def test_a_mystery_challenge_is_trained_once_into_the_store_and_survives_a_restart(tmp_path, monkeypatch):
    import torch

    from backdoor.datasets import load_dataset
    from backdoor.mystery import draw_challenge, kind_of, train_challenge
    from backdoor.prepare import main, prepare_mystery
    from backdoor.presets import class_setup
    from backdoor.store import is_stored
    from backdoor.train import TrainConfig

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path / "store"))
    base = class_setup(None, 3)
    base = base.__class__(**{**base.__dict__, "train": TrainConfig(epochs=1, seed=3)})
    assert prepare_mystery(41, 2, base, on_message=lambda _: None) == 2  # `make warm` before class
    dataset = load_dataset(base.dataset, seed=3)
    mysteries = draw_challenge(41, 2, base, dataset.num_classes)
    assert all(is_stored(m.scenario, kind_of(m)) for m in mysteries)
    assert prepare_mystery(41, 2, base, on_message=lambda _: None) == 0  # nothing trained twice
    first = train_challenge(dataset, mysteries, "cpu")  # a restarted server: read from the store
    again = train_challenge(dataset, mysteries, "cpu")
    for a, b in zip(first, again):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert main(["--list", "--mystery", "41"]) == []  # the flag parses


def test_a_class_setup_is_its_preset_at_its_seed():
    from backdoor.presets import PRESETS, class_setup

    setup = class_setup("stop-sign-sticker", 7)
    preset = PRESETS["stop-sign-sticker"].scenario
    assert (setup.dataset, setup.attack, setup.poison.rate, setup.poison.target) == (
        preset.dataset, preset.attack, preset.poison.rate, preset.poison.target)
    assert setup.data_seed == setup.poison.seed == setup.train.seed == 7
    assert class_setup(None, 0).dataset == "mnist-5k"


def test_make_warm_prepares_everything_and_a_class_challenge_on_request():
    import subprocess

    from conftest import ROOT

    def warm(*variables: str) -> str:
        lines = subprocess.run(["make", "-n", "warm", *variables], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.splitlines()
        return next(line for line in lines if "backdoor.prepare" in line)

    assert warm().split("backdoor.prepare")[1].split() == ["--all"]
    assert warm("CHALLENGE=4321", "PRESET=stop-sign-sticker", "SEED=3").split("backdoor.prepare")[1].split() == [
        "--all", "--mystery", "4321", "--preset", "stop-sign-sticker", "--seed", "3"]


def test_make_warm_computes_each_presets_matrix_on_the_three_seeds_once(monkeypatch, tmp_path):
    import backdoor.prepare as P
    from backdoor.estimates import Estimate
    from backdoor.matrix import config_for
    from backdoor.matrix_seeds import SEEDS, seed_config
    from backdoor.presets import PRESETS

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path))
    computed, seeds_of = [], {}
    real_load = P.load_dataset

    def load(name, seed=0, **options):
        data = real_load(name, seed=seed, **options)
        seeds_of[id(data)] = seed
        return data

    monkeypatch.setattr(P, "load_dataset", load)
    monkeypatch.setattr(P, "matrix", lambda data, config, device: computed.append((config, data.name,
                                                                                   seeds_of[id(data)])))
    monkeypatch.setattr(P, "matrix_estimate", lambda shape, config, device: Estimate(60.0, "x", 60.0))
    monkeypatch.setattr(P, "load_sweep", lambda *a: "stored")  # the sweeps are another test's
    messages = []
    P.prepare_results(["classic-patch", "faint-blend"], on_message=messages.append)
    digits = config_for(PRESETS["classic-patch"].scenario, "mnist-5k")
    # the two digit presets share one matrix; it is computed on seeds 0, 1 and 2, each on its own split
    assert computed == [(seed_config(digits, s), "mnist-5k", s) for s in SEEDS]
    assert "Classic patch (digits): the attack x defense matrix, seed 1 (about 60 s)..." in messages
