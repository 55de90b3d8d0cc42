import pytest

from backdoor.mystery import Verdict, draw_challenge, score
from backdoor.scenario import Scenario


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
