"""The red-vs-blue round: its rules, its anonymised pool and both leaderboards."""

from datetime import datetime, timezone

import pytest

from backdoor.classroom.events import Event
from backdoor.classroom.redblue import (
    DECOYS, MAX_CLEAN_DROP, MAX_POISON, RED_POINTS, blue_board, decoy_scenarios, pool, red_board, rule_breaks,
)
from backdoor.scenario import Scenario

NOW = datetime(2026, 11, 29, tzinfo=timezone.utc)


def event(nickname, kind, payload):
    return Event(nickname, kind, "k", payload, NOW)


def red(nickname, store_id, target=3, asr=0.9):
    return event(nickname, "red", {"store_id": store_id, "architecture": "small-cnn", "target": target, "asr": asr})


def blue(nickname, store_id, backdoored, target=None):
    return event(nickname, "blue", {"store_id": store_id, "backdoored": backdoored, "target": target})


@pytest.mark.parametrize("rate, clean, base, broken", [
    (MAX_POISON, 0.95, 0.95 + MAX_CLEAN_DROP, []),  # exactly at both limits: allowed
    (MAX_POISON + 0.01, 0.95, 0.95, ["poisons 11.0%"]),
    (0.05, 0.90, 0.95, ["5.0 points below"]),
    (0.05, 0.99, 0.95, []),  # better than the clean model: fine
    (0.0, 0.95, 0.95, []),
])
def test_the_rules_refuse_too_much_poison_or_too_much_lost_accuracy(rate, clean, base, broken):
    why = rule_breaks("mnist-5k", "mnist-5k", rate, clean, base)
    assert len(why) == len(broken) and all(b in w for b, w in zip(broken, why))


@pytest.mark.parametrize("rate, clean, base, said", [
    (0.1001, 0.95, 0.95, "it poisons 10.01% of the training images; the most allowed is 10%"),
    (0.10004, 0.95, 0.95, "it poisons 10.004% of the training images; the most allowed is 10%"),
    (0.1000001, 0.95, 0.95, "it poisons just over 10% of the training images; the most allowed is 10%"),
    (0.11, 0.95, 0.95, "it poisons 11.0% of the training images; the most allowed is 10%"),
    (1.0, 0.95, 0.95, "it poisons 100.0% of the training images; the most allowed is 10%"),
    (0.05, 0.9296, 0.95, "its clean accuracy is 2.04 points below the clean model's; the most allowed is 2"),
    (0.05, 0.9299, 0.95, "its clean accuracy is 2.01 points below the clean model's; the most allowed is 2"),
    (0.05, 0.9299999, 0.95, "its clean accuracy is just over 2 points below the clean model's; the most allowed is 2"),
    (0.05, 0.0, 0.95, "its clean accuracy is 95.0 points below the clean model's; the most allowed is 2"),
])
def test_a_refusal_never_reads_as_within_the_limit(rate, clean, base, said):
    assert rule_breaks("mnist-5k", "mnist-5k", rate, clean, base) == [said]


def test_a_model_on_another_data_set_is_refused():
    assert "trained on traffic-signs" in rule_breaks("traffic-signs", "mnist-5k", 0.05, 0.9, 0.9)[0]


def test_the_pool_is_anonymous_deduplicated_and_the_same_for_everyone():
    decoys = [("d" * 64, "small-cnn"), ("e" * 64, "small-cnn")]
    events = [red("Ann", "a" * 64), red("Bob", "a" * 64), red("Cy", "b" * 64, target=5)]
    entries = pool("K7P2QX", events, decoys)
    assert len(entries) == 4 and len({e.label for e in entries}) == 4
    assert all(e.label.startswith("Pool model ") for e in entries)
    shared = next(e for e in entries if e.store_id == "a" * 64)
    assert shared.owners == ("Ann", "Bob") and shared.backdoored
    assert sum(not e.backdoored for e in entries) == 2
    assert [e.store_id for e in pool("K7P2QX", events, decoys)] == [e.store_id for e in entries]
    other = [e.store_id for e in pool("ZZZZZZ", events, decoys)]
    assert sorted(other) == sorted(e.store_id for e in entries)


def test_blue_scores_calls_and_targets_from_each_students_last_verdict():
    entries = pool("K7P2QX", [red("Ann", "a" * 64, target=3)], [("d" * 64, "small-cnn")])
    verdicts = [blue("Zed", "a" * 64, False), blue("Zed", "a" * 64, True, 3),  # changed their mind: last counts
                blue("Zed", "d" * 64, False),
                blue("Amy", "a" * 64, True, 4), blue("Amy", "d" * 64, True, 1)]
    board = blue_board(entries, verdicts)
    assert [(s.nickname, s.points) for s in board] == [("Zed", 3), ("Amy", 1)]
    assert [s.detail for s in board] == ["2 of 2 called right, 1 target found", "1 of 2 called right, 0 targets found"]
    assert blue_board(entries, []) == []


def test_red_scores_its_asr_times_the_share_of_blue_it_fooled():
    entries = pool("K7P2QX", [red("Ann", "a" * 64, asr=0.8), red("Bob", "b" * 64, asr=1.0)], [])
    verdicts = [blue("Zed", "a" * 64, False), blue("Amy", "a" * 64, True, 3), blue("Zed", "b" * 64, True, 3)]
    board = {s.nickname: s.points for s in red_board(entries, verdicts)}
    assert board == {"Ann": round(RED_POINTS * 0.8 * 0.5, 1), "Bob": 0.0}
    assert {s.nickname: s.detail for s in red_board(entries, verdicts)} == {
        "Ann": "fooled 1 of 2 blue verdicts", "Bob": "fooled 0 of 1 blue verdict"}
    assert {s.nickname: s.points for s in red_board(entries, [])} == {"Ann": 0.0, "Bob": 0.0}  # unjudged: nothing yet


def test_decoys_are_clean_models_of_the_class_setup_with_their_own_seeds():
    scenarios = decoy_scenarios(Scenario(), "K7P2QX")
    assert len(scenarios) == DECOYS and all(s.poison.rate == 0.0 for s in scenarios)
    assert len({s.train.seed for s in scenarios}) == DECOYS
    assert decoy_scenarios(Scenario(), "K7P2QX") == scenarios
    assert MAX_CLEAN_DROP == 0.02 and MAX_POISON == 0.10
