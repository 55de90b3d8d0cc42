"""The incident drill: an immutable registry, and the timeline counted by hand on made-up traffic."""

import pytest
import torch
from torch import nn

from backdoor.drill import DrillConfig, ModelRegistry, Traffic, deployed_at, model_fingerprint, replay


def test_versions_are_immutable_fingerprinted_and_verified():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    empty = ModelRegistry()
    one = empty.register(a, "in-house")
    two = one.register(b, "vendor")
    assert empty.versions == () and len(one.versions) == 1  # registering returns a new registry
    assert [v.number for v in two.versions] == [1, 2] and two.versions[1].source == "vendor"
    assert two.verify(1, a) and two.verify(2, b) and not two.verify(1, b)
    assert len(two.versions[0].fingerprint) == 64
    before = model_fingerprint(a)
    with torch.no_grad():
        a.weight[0, 0] += 1e-3  # one weight changed: a different file
    assert model_fingerprint(a) != before and not two.verify(1, a)
    assert two.deploy(2).deployed == 2 and two.deployed is None
    with pytest.raises(ValueError, match="no version v3"):
        two.deploy(3)
    with pytest.raises(Exception):
        two.versions[0].source = "changed"  # a registered version is frozen


CONFIG = DrillConfig(requests=10, update_at=2, alert_after=2, window=3)


def traffic(triggered, v2_flags, v1_flags=None, v2_answers=None):
    n = len(triggered)
    return Traffic(torch.tensor(triggered, dtype=torch.bool), attack_starts=3, goal=torch.zeros(n, dtype=torch.long),
                   answers={1: torch.ones(n, dtype=torch.long),  # v1 never gives the attacker's answer
                            2: torch.tensor(v2_answers or [0] * n)},  # v2 always does
                   flagged={1: torch.tensor(v1_flags or [0] * n, dtype=torch.bool),
                            2: torch.tensor(v2_flags, dtype=torch.bool)})


def test_the_timeline_by_hand():
    #            0  1  2  3  4  5  6  7  8  9
    triggered = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1]
    v2_flags = [0, 0, 0, 1, 0, 1, 0, 0, 1, 1]
    t = traffic(triggered, v2_flags)
    none = replay(t, CONFIG)
    assert none.first_triggered == 3 and none.triggered == 5
    assert none.alert_at == 5  # flags at 3 and 5: two within the window of 3 ending at 5
    assert none.harmful_until_alert == 2  # requests 3 and 5 were answered before the alert took effect
    assert none.harmful == none.harmful_until_rollback == 5 and none.rollback_at is None
    assert none.flagged == 4 and none.honest_flagged == 0 and not none.false_alert
    rolled = replay(t, CONFIG, rollback_at=7)
    assert rolled.harmful_until_rollback == 3 and rolled.harmful == 3  # 8 and 9 went to v1
    assert rolled.flagged == 2  # v1 flags nothing
    assert replay(t, CONFIG, until=4).alert_at is None and replay(t, CONFIG, until=4).harmful == 1


def test_before_the_update_v1_answers_and_an_early_alert_is_a_false_alarm():
    assert [deployed_at(i, CONFIG, None) for i in range(4)] == [1, 1, 2, 2]
    assert [deployed_at(i, CONFIG, 3) for i in range(5)] == [1, 1, 2, 1, 1]
    t = traffic([0, 0, 0, 0, 0, 0, 0, 0, 1, 0], v2_flags=[0, 0, 1, 1, 0, 0, 0, 0, 1, 0], v1_flags=[1, 0] + [0] * 8)
    line = replay(t, CONFIG)
    assert line.alert_at == 2 and line.false_alert  # v1 flagged 0, v2 flagged 2: two in the window 0-2
    assert line.honest_flagged == 3 and line.harmful_until_alert == 0
    assert replay(traffic([0] * 10, [0] * 10), CONFIG).first_triggered is None


@pytest.mark.parametrize("bad", [dict(update_at=0), dict(update_at=200), dict(triggered_share=0.0),
                                 dict(alert_after=0), dict(alert_after=30)])
def test_impossible_drills_are_refused(bad):
    with pytest.raises(ValueError):
        DrillConfig(**bad)


@pytest.mark.trains
def test_a_real_drill_on_the_trained_pair(small_mnist, trained_pair):
    from backdoor.drill import simulate

    scenario, backdoored, baseline = trained_pair
    config = DrillConfig(requests=120, update_at=20, seed=1)
    t = simulate(small_mnist, scenario, {1: baseline.model, 2: backdoored.model}, config)
    sent = torch.nonzero(t.triggered).flatten()
    assert len(sent) > 0 and int(sent[0]) >= t.attack_starts > config.update_at
    line = replay(t, config)
    assert line.alerted and line.harmful > 0  # the backdoored update obeys the trigger, and STRIP notices
    assert replay(t, config, rollback_at=line.alert_at + 1).harmful <= line.harmful
    assert simulate(small_mnist, scenario, {1: baseline.model, 2: backdoored.model}, config).triggered.equal(t.triggered)
