from dataclasses import replace

import pytest

from backdoor.mystery import Verdict, draw_challenge, score
from backdoor.scenario import Scenario
from backdoor.train import TrainConfig


def test_a_challenge_is_secret_but_repeatable_and_mixed():
    base = Scenario()
    a, b = draw_challenge(7, 5, base, 10), draw_challenge(7, 5, base, 10)
    assert a == b and a != draw_challenge(8, 5, base, 10)
    for code in range(30):
        kinds = {m.backdoored for m in draw_challenge(code, 3, base, 10)}
        assert kinds == {True, False}  # always both kinds
    for m in a:
        assert (m.scenario.poison.rate > 0) == m.backdoored
        assert (m.attack is None) == (not m.backdoored) and (m.target is None) == (not m.backdoored)
    assert len({m.scenario.train.seed for m in a}) == 5  # five different networks
    with pytest.raises(ValueError):
        draw_challenge(1, 9, base, 10)


def test_verdicts_are_scored_call_and_target():
    mysteries = draw_challenge(11, 4, Scenario(), 10)
    perfect = {m.number: Verdict(m.backdoored, m.target) for m in mysteries}
    result = score(mysteries, perfect)
    assert result.points == result.possible == 4 + sum(m.backdoored for m in mysteries)
    wrong_target = {m.number: Verdict(m.backdoored, (m.target + 1) % 10 if m.backdoored else None) for m in mysteries}
    assert score(mysteries, wrong_target).right_targets == 0
    flipped = {m.number: Verdict(not m.backdoored) for m in mysteries}
    assert score(mysteries, flipped).points == 0
    assert score(mysteries, {}).unanswered == 4


def _mystery(number, backdoored, target=None):
    from backdoor.mystery import Mystery

    return Mystery(number, backdoored, "badnets" if backdoored else None, target, Scenario())


def test_a_right_call_is_a_point_and_a_right_target_one_more():
    mysteries = [_mystery(1, False), _mystery(2, True, 3), _mystery(3, True, 5)]
    # model 1 called clean (1 point), model 2 backdoored to 3 (2 points), model 3 backdoored but to 4 (1 point)
    result = score(mysteries, {1: Verdict(False), 2: Verdict(True, 3), 3: Verdict(True, 4)})
    assert (result.points, result.possible, result.right_calls, result.right_targets, result.unanswered) == \
        (4, 5, 3, 1, 0)
    # model 1 called backdoored, model 2 unanswered, model 3 called clean: nothing right
    result = score(mysteries, {1: Verdict(True, 0), 3: Verdict(False)})
    assert (result.points, result.possible, result.right_calls, result.right_targets, result.unanswered) == \
        (0, 5, 0, 0, 1)
    # a clean model rightly called clean earns its one point, with no target to guess
    result = score([_mystery(1, False), _mystery(2, False)], {1: Verdict(False), 2: Verdict(False, 0)})
    assert (result.points, result.possible, result.right_calls, result.right_targets) == (2, 2, 2, 0)
    # verdicts are matched by the number students see, not by position
    result = score([_mystery(2, True, 1), _mystery(1, False)], {2: Verdict(True, 1), 1: Verdict(True, 1)})
    assert (result.points, result.right_calls, result.right_targets) == (2, 1, 1)


def test_a_challenge_has_one_to_eight_models_numbered_from_one():
    base = Scenario()
    for count in (1, 2, 8):
        assert [m.number for m in draw_challenge(3, count, base, 10)] == list(range(1, count + 1))
    for count in (0, 9):
        with pytest.raises(ValueError, match=r"^A challenge has between 1 and 8 models\.$"):
            draw_challenge(3, count, base, 10)


def test_every_code_mixes_both_kinds_in_varied_proportions_and_draws_every_suspect_attack_and_target():
    from backdoor.attacks import ATTACKS, PoisonConfig
    from backdoor.mystery import SUSPECT_ATTACKS, kind_of

    base = Scenario(dataset="traffic-signs", model="color-cnn", train=TrainConfig(epochs=2), data_seed=4)
    backdoored_counts, attacks, targets, single = set(), set(), set(), set()
    for code in range(40):
        two = draw_challenge(code, 2, base, 3)
        assert {m.backdoored for m in two} == {True, False}
        models = draw_challenge(code, 8, base, 3)
        backdoored_counts.add(sum(m.backdoored for m in models))
        single.add(draw_challenge(code, 1, base, 3)[0].backdoored)
        for m in models:
            assert m.scenario.dataset == "traffic-signs" and m.scenario.model == "color-cnn"
            assert m.scenario.data_seed == 4 and m.scenario.train.epochs == 2
            assert 0 <= m.scenario.train.seed < 10_000
            if m.backdoored:
                spec = ATTACKS[m.attack]
                assert m.scenario.attack == m.attack and m.scenario.trigger == spec.config()
                assert m.scenario.poison.rate == spec.default_rate and m.scenario.poison.target == m.target
                assert 0 <= m.scenario.poison.seed < 10_000
                attacks.add(m.attack)
                targets.add(m.target)
                assert kind_of(m) == "backdoored"
            else:
                assert m.scenario.poison == PoisonConfig(rate=0.0)
                assert m.scenario == replace(base.baseline(), train=m.scenario.train)
                assert kind_of(m) == "baseline"
    assert attacks == set(SUSPECT_ATTACKS) == {"badnets", "blended", "wanet", "sig"}
    assert targets == {0, 1, 2}  # every class of three can be the target
    assert single == {True, False}  # a one-model challenge may be either
    assert len(backdoored_counts) >= 4  # not a fixed split: students cannot count on it
    assert len({m.scenario.poison.seed for m in draw_challenge(5, 8, base, 3) if m.backdoored}) > 1


def test_the_challenge_models_come_from_the_store_one_per_mystery_in_order(tmp_path, monkeypatch):
    import torch

    from backdoor.mystery import kind_of, train_challenge
    from stored import store_constant_model, tiny_digits

    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    mysteries = draw_challenge(2, 3, Scenario(), 10)
    for m, answer in zip(mysteries, (3, 5, 7)):
        store_constant_model(m.scenario, kind_of(m), answer)  # a clean one as its scenario's baseline
    models = train_challenge(tiny_digits(), mysteries, "cpu")
    image = torch.rand((1, 1, 28, 28))
    assert [int(model(image).argmax()) for model in models] == [3, 5, 7]


def test_a_scan_searches_on_the_defenders_clean_half_with_the_settings_given():
    """Neural Cleanse on a mystery model sees only the defender's clean images (the first half of the
    test split), with the settings and the progress reporter it is given."""
    import torch

    from backdoor.defenses.trigger_search import NeuralCleanseConfig, neural_cleanse
    from backdoor.mystery import scan
    from models import build_model
    from stored import tiny_digits

    digits = tiny_digits()
    torch.manual_seed(0)
    model = build_model("small-cnn", (1, 28, 28), 10).eval()
    config = NeuralCleanseConfig(steps=2, batch_size=4, clean_samples=10, seed=3)
    calls = []
    found = scan(model, digits, config, lambda *c: calls.append(c))
    on_defender_set = neural_cleanse(model, *digits.defender_set, 10, config)
    on_held_out = neural_cleanse(model, *digits.held_out, 10, config)
    assert torch.equal(found.masks, on_defender_set.masks) and torch.equal(found.flip_rates, on_defender_set.flip_rates)
    assert not torch.equal(found.flip_rates, on_held_out.flip_rates)  # measured on other images
    assert found.masks.shape == (10, 28, 28)  # one reversed trigger per class
    assert calls and calls[-1][0] == calls[-1][1]  # progress reported, to the end
    reseeded = scan(model, digits, replace(config, seed=4))
    assert not torch.equal(reseeded.masks, found.masks)  # the settings given are the settings used


def test_unstored_names_the_models_preparing_would_train(tmp_path, monkeypatch):
    from backdoor.mystery import kind_of, unstored
    from backdoor.store import model_hash

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path))
    mysteries = draw_challenge(5, 3, Scenario(), 10)
    assert unstored(mysteries) == mysteries  # an empty store: every one is trained
    first = tmp_path / model_hash(mysteries[0].scenario, kind_of(mysteries[0]))
    first.with_suffix(".pt").touch()
    assert unstored(mysteries) == mysteries  # weights without their record are not a stored model
    first.with_suffix(".json").touch()
    assert unstored(mysteries) == mysteries[1:]
