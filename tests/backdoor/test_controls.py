"""The controls table and its advice follow the measured matrix: change the matrix, the advice changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backdoor.controls import attack_stories, controls, recommend, words
from backdoor.defenses.registry import DEFENSES
from backdoor.matrix import NO_DEFENSE, AttackRow, Cell, Matrix, matrix_columns

ATTACKS = ("badnets", "blended", "wanet")
NAMES = {"badnets": "Classic patch (digits)", "blended": "Faint blend", "wanet": "Invisible warp"}


def _matrix(asr: dict[tuple[str, str], float], drop: float = 0.01, refused: float = 0.0) -> Matrix:
    """A matrix with the given success after each (attack, defense); 1.0 where not given."""
    columns = (NO_DEFENSE, "activation_clustering", "fine_pruning", "strip")
    cells = [Cell(a, d, 0.97 - drop, asr.get((a, d), 1.0), drop if d != NO_DEFENSE else 0.004, 12.0 if d != NO_DEFENSE else 0.0,
                  "measured", refused=refused if d == "strip" else 0.0)
             for a in ATTACKS for d in columns]
    rows = [AttackRow(a, 0.1, 400, 0.966, asr.get((a, NO_DEFENSE), 1.0), 20.0) for a in ATTACKS]
    return Matrix("key", "mnist-5k", 0.97, rows, cells, 300.0)


def test_every_matrix_column_has_its_words():
    said = words()
    for column in matrix_columns():
        assert {"title", "plain", "owner", "nist"} <= set(said[column]), column
        assert said[column]["nist"].replace(" / ", "/").split("/")[0] in {"Govern", "Map", "Measure", "Manage"}


def test_a_control_catches_what_it_stopped_and_misses_the_rest_by_the_stakeholders_names():
    table = {c.key: c for c in controls(_matrix({("badnets", "fine_pruning"): 0.02, ("wanet", "fine_pruning"): 0.1,
                                                 ("blended", "fine_pruning"): 0.6}), NAMES)}
    pruning = table["fine_pruning"]
    assert pruning.catches == ("Classic patch (digits)", "Invisible warp")  # 10% counts as stopped
    assert [(m.attack, m.asr) for m in pruning.misses] == [("Faint blend", 0.6)]
    assert pruning.verdict == "Catches 2 of 3: Classic patch (digits) and Invisible warp. Misses: Faint blend."
    assert pruning.residual == "The attacker still wins on 1 of 3 attacks: up to 60% of triggered inputs (Faint blend)."
    assert table["activation_clustering"].verdict == ("Catches none of the 3 attacks. Misses: Classic patch (digits), "
                                                      "Faint blend and Invisible warp.")
    assert table["activation_clustering"].residual == ("The attacker still wins on all 3 attacks: 100% of "
                                                       "triggered inputs on each.")  # a tie: no single attack named
    two_tied = {c.key: c for c in controls(_matrix({("wanet", "fine_pruning"): 0.02}), NAMES)}["fine_pruning"]
    assert two_tied.residual == "The attacker still wins on 2 of 3 attacks: 100% of triggered inputs on each."
    some_tied = {c.key: c for c in controls(_matrix({("wanet", "strip"): 0.6}), NAMES)}["strip"]
    assert some_tied.residual == ("The attacker still wins on all 3 attacks: up to 100% of triggered inputs "
                                  "(on 2 of them).")
    assert table[NO_DEFENSE].verdict == ("Catches none of the 3 attacks: every backdoored model passes it, at most 0.4 "
                                         "points below a clean model.")


def test_costs_are_in_business_terms_and_measured():
    table = {c.key: c for c in controls(_matrix({}, drop=0.05, refused=0.03), NAMES)}
    assert table["activation_clustering"].cost == ("about 12 s of compute per model before each release on this "
                                                    "server; one retraining; up to 5.0 points of accuracy")
    strip = table["strip"]
    runs = DEFENSES["strip"].config.overlays + 1
    assert strip.runs_per_request == runs
    assert strip.cost == (f"about 12 s per model before each release on this server to set and test its threshold; "
                          f"{runs} model runs per request instead of 1; up to 3.0% of honest customers or patients "
                          "refused; up to 2.0 points of accuracy")  # the refusals are not counted twice
    assert table[NO_DEFENSE].cost.startswith("nothing extra")


@pytest.mark.parametrize("drop, words_", [(0.0, "no accuracy lost"), (-0.02, "no accuracy lost"),
                                          (1.0, "up to 100.0 points of accuracy")])
def test_cost_sentences_hold_at_the_edges(drop, words_):
    table = {c.key: c for c in controls(_matrix({}, drop=drop), NAMES)}
    assert table["fine_pruning"].cost.endswith(words_)


def test_what_a_control_costs_with_no_attack_is_read_off_the_matrixs_false_alarms():
    alarms = [Cell("clean", "activation_clustering", 0.97, 0.0, 0.0, 2.0, "flagged none", flagged=0),
              Cell("clean", "fine_pruning", 0.962, 0.0, 0.008, 7.0, "pruned"),
              Cell("clean", "strip", 0.924, 0.0, 0.046, 2.0, "rejects", refused=0.046)]
    table = {c.key: c for c in controls(replace(_matrix({}), false_alarms=alarms), NAMES)}
    assert table["activation_clustering"].no_attack == "it costs no accuracy and refuses no one"
    assert table["fine_pruning"].no_attack == "it still costs 0.8 points of accuracy"
    # a monitor's refusals are said apart, not counted again as lost accuracy
    assert table["strip"].no_attack == "it still turns away 4.6% of honest customers or patients"
    assert table[NO_DEFENSE].no_attack.startswith("nothing")
    gained = [Cell("clean", "fine_pruning", 0.974, 0.0, -0.004, 7.0, "pruned")]
    assert {c.key: c for c in controls(replace(_matrix({}), false_alarms=gained), NAMES)}["fine_pruning"].no_attack \
        == "its result scores 0.4 points better"
    assert {c.key: c for c in controls(_matrix({}), NAMES)}["strip"].no_attack == "not measured on a clean model yet"


def test_a_control_that_stops_everything_still_says_untested_attacks_may_pass():
    stopped = {(a, "fine_pruning"): 0.0 for a in ATTACKS}
    pruning = next(c for c in controls(_matrix(stopped), NAMES) if c.key == "fine_pruning")
    assert pruning.verdict == "Catches all 3 attacks: Classic patch (digits), Faint blend and Invisible warp."
    assert "not in the matrix may" in pruning.residual


def test_the_advice_follows_the_evidence():
    one = recommend(controls(_matrix({(a, "fine_pruning"): 0.0 for a in ATTACKS}), NAMES))
    assert one[0] == "Do not rely on accuracy testing: it passed all 3 backdoored models."
    assert one[1].startswith("First, prune and retune before release: it stopped Classic patch")
    assert one[-1].startswith("It stopped every attack that worked here;")  # one control: "it", not "together these"
    # another seed: pruning fails on the blend, which only the monitor stops
    other = recommend(controls(_matrix({("badnets", "fine_pruning"): 0.0, ("wanet", "fine_pruning"): 0.0,
                                        ("blended", "strip"): 0.05}), NAMES))
    assert other != one
    assert other[1].startswith("First, prune and retune") and other[2].startswith(
        "Then, screen every request in service: it stopped Faint blend")
    # nothing stops anything
    none = recommend(controls(_matrix({}), NAMES))
    assert none[-1] == ("No control tested here stopped Classic patch (digits), Faint blend and Invisible warp: keep "
                        "provenance checks, vendor clauses and monitoring for them, and expect them to get through.")
    assert not any(line.startswith(("First", "Then")) for line in none)


def test_the_sentences_read_right_with_one_or_two_attacks_that_worked():
    # only the patch worked (the others stayed under 50% without a defense): "the one attack"
    one = _matrix({("blended", NO_DEFENSE): 0.2, ("wanet", NO_DEFENSE): 0.2, ("badnets", "fine_pruning"): 0.0})
    table = {c.key: c for c in controls(one, NAMES)}
    assert table["fine_pruning"].verdict == "Catches the one attack that worked: Classic patch (digits)."
    assert table["strip"].verdict == "Misses the one attack that worked: Classic patch (digits)."
    assert table["strip"].residual == "The attacker still wins: up to 100% of triggered inputs (Classic patch (digits))."
    assert table[NO_DEFENSE].verdict.startswith("Catches none: the backdoored model passes it, ")
    advice = recommend(list(table.values()))
    assert advice[0] == "Do not rely on accuracy testing: it passed the backdoored model."
    assert advice[1].startswith("First, prune and retune before release: it stopped Classic patch (digits), costing")
    # two worked: "both", "neither"
    two = {c.key: c for c in controls(_matrix({("wanet", NO_DEFENSE): 0.2, ("badnets", "strip"): 0.0,
                                                ("blended", "strip"): 0.0, ("blended", "fine_pruning"): 0.3}), NAMES)}
    assert two["strip"].verdict == "Catches both attacks: Classic patch (digits) and Faint blend."
    assert two["activation_clustering"].verdict == "Catches neither attack. Misses: Classic patch (digits) and Faint blend."
    assert two["activation_clustering"].residual == "The attacker still wins on both attacks: 100% of triggered inputs on each."
    assert two["fine_pruning"].residual == ("The attacker still wins on both attacks: up to 100% of triggered inputs "
                                            "(Classic patch (digits)).")
    assert two[NO_DEFENSE].verdict.startswith("Catches neither attack: both backdoored models pass it, ")
    assert recommend(list(two.values()))[0] == "Do not rely on accuracy testing: it passed both backdoored models."
    one_left = recommend(controls(_matrix({("wanet", NO_DEFENSE): 0.2, ("badnets", "strip"): 0.0}), NAMES))
    assert one_left[-1] == ("No control tested here stopped Faint blend: keep provenance checks, vendor clauses and "
                            "monitoring for it, and expect it to get through.")


def test_ties_go_to_the_cheaper_control():
    both = {(a, d): 0.0 for a in ATTACKS for d in ("fine_pruning", "activation_clustering")}
    m = _matrix(both)
    cheaper = replace(m, cells=[replace(c, drop=0.0) if c.defense == "activation_clustering" else c for c in m.cells])
    assert recommend(controls(cheaper, NAMES))[1].startswith("First, inspect the training data for a tight cluster")


def test_with_no_attack_that_worked_there_is_nothing_to_rank():
    m = _matrix({(a, NO_DEFENSE): 0.2 for a in ATTACKS})
    assert recommend(controls(m, NAMES)) == [
        "No attack took hold in training here, so this matrix cannot rank the controls: try other settings."]


def test_a_new_defense_without_its_words_still_gets_a_row(tmp_path):
    only_testing = tmp_path / "controls.toml"
    only_testing.write_text("[none]\n" + "".join(f'{k} = "{v}"\n' for k, v in words()[NO_DEFENSE].items()))
    table = {c.key: c for c in controls(_matrix({}), NAMES, path=only_testing)}
    assert table["strip"].title == DEFENSES["strip"].title and table["strip"].owner == "not assigned yet"
    assert table[NO_DEFENSE].title == "Accuracy test before release"


def test_every_attack_a_stakeholder_sees_is_explained_even_without_a_scenario_of_its_own():
    from backdoor.matrix import matrix_rows
    from backdoor.presets import PRESETS

    told = dict(attack_stories({"Classic patch (digits)", "Adap-Blend", "BadNets all-to-all", "not an attack"}))
    assert told["Classic patch (digits)"] == PRESETS["classic-patch"].story  # a scenario's own words first
    assert "look-alike images that keep their true label" in told["Adap-Blend"]  # no scenario: the attack's summary
    assert "every class is read as the next one" in told["BadNets all-to-all"] and "not an attack" not in told
    every_row = {row.title for row in matrix_rows().values()}
    assert {name for name, _ in attack_stories(every_row)} == every_row


def test_two_controls_together_stop_every_attack_and_one_alone_says_it():
    two = recommend(controls(_matrix({("badnets", "fine_pruning"): 0.0, ("wanet", "fine_pruning"): 0.0,
                                      ("blended", "strip"): 0.05}), NAMES))
    assert two[-1].startswith("Together these stopped every attack that worked here;")
    only = _matrix({("blended", NO_DEFENSE): 0.2, ("wanet", NO_DEFENSE): 0.2, ("badnets", "fine_pruning"): 0.0})
    assert recommend(controls(only, NAMES))[-1].startswith("It stopped the one attack that worked here;")
    both = _matrix({("wanet", NO_DEFENSE): 0.2, ("badnets", "strip"): 0.0, ("blended", "strip"): 0.0})
    assert recommend(controls(both, NAMES))[-1].startswith("It stopped both attacks that worked here;")


def test_with_no_attack_that_worked_no_control_is_judged_or_costed():
    m = _matrix({(a, NO_DEFENSE): 0.2 for a in ATTACKS})
    table = {c.key: c for c in controls(m, NAMES)}
    for key, c in table.items():
        assert c.attacks == 0
        assert c.verdict == "Not judged: no attack took hold here."
        assert c.residual == "Not judged: no attack took hold here."
        assert "0 attacks" not in c.verdict and "Misses: ." not in c.verdict
    assert table["fine_pruning"].cost == "not measured: no attack took hold here"
    assert "0 s" not in table["strip"].cost and "no accuracy lost" not in table["strip"].cost
    assert table[NO_DEFENSE].cost.startswith("nothing extra")  # the test costs nothing, attack or not


@pytest.mark.parametrize("asr, shown", [(0.104, "10.4%"), (0.1004, ">10.0%"), (0.105, "10.5%"), (0.106, "11%"),
                                        (0.6, "60%"), (1.0, "100%")])
def test_a_missed_attack_never_reads_as_caught(asr, shown):
    pruning = next(c for c in controls(_matrix({("badnets", "fine_pruning"): asr, ("blended", "fine_pruning"): 0.0,
                                                ("wanet", "fine_pruning"): 0.0}), NAMES) if c.key == "fine_pruning")
    assert [m.attack for m in pruning.misses] == ["Classic patch (digits)"]
    assert pruning.residual == (f"The attacker still wins on 1 of 3 attacks: up to {shown} of triggered inputs "
                                "(Classic patch (digits)).")
    assert "up to 10% " not in pruning.residual


def test_two_misses_that_print_the_same_figure_are_a_tie():
    tie = next(c for c in controls(_matrix({("badnets", "fine_pruning"): 0.104, ("blended", "fine_pruning"): 0.1041,
                                             ("wanet", "fine_pruning"): 0.0}), NAMES) if c.key == "fine_pruning")
    assert tie.residual == "The attacker still wins on 2 of 3 attacks: 10.4% of triggered inputs on each."


@pytest.mark.parametrize("refused, cost, no_attack", [
    (0.0004, "fewer than 0.1% of honest customers or patients refused", "fewer than 0.1%"),
    (0.0005, "up to 0.1% of honest customers or patients refused", "0.1%"),
    (0.9996, "more than 99.9% of honest customers or patients refused", "more than 99.9%"),
    (1.0, "up to 100.0% of honest customers or patients refused", "100.0%"),
])
def test_a_tiny_share_refused_never_reads_as_none(refused, cost, no_attack):
    alarms = [Cell("clean", "strip", 0.97 - refused, 0.0, refused, 2.0, "rejects", refused=refused)]
    strip = next(c for c in controls(replace(_matrix({}, refused=refused), false_alarms=alarms), NAMES)
                 if c.key == "strip")
    assert cost in strip.cost and " 0.0%" not in strip.cost
    assert strip.no_attack == f"it still turns away {no_attack} of honest customers or patients"


@pytest.mark.parametrize("drop, n, verdict", [
    (0.004, 3, "every backdoored model passes it, at most 0.4 points below a clean model"),
    (0.01, 3, "every backdoored model passes it, at most 1.0 points below a clean model"),
    (0.05, 3, "every backdoored model scores at most 5.0 points below a clean model, and a careful check could "
              "notice the largest drop"),
    (0.05, 2, "both backdoored models score at most 5.0 points below a clean model, and a careful check could "
              "notice the largest drop"),
    (0.05, 1, "the backdoored model scores 5.0 points below a clean model, a drop a careful check could notice"),
    (0.004, 1, "the backdoored model passes it, 0.4 points below a clean model"),
    (0.004, 2, "both backdoored models pass it, at most 0.4 points below a clean model"),
    (0.0, 1, "the backdoored model passes it, at the same accuracy as a clean model"),
    (0.0, 3, "every backdoored model passes it, no less accurate than a clean model"),
    (-0.003, 3, "every backdoored model passes it, each at least 0.3 points above a clean model"),
    (-0.003, 1, "the backdoored model passes it, 0.3 points above a clean model"),
])
def test_the_accuracy_test_says_at_most_for_several_and_passes_only_a_small_drop(drop, n, verdict):
    worked = {(a, NO_DEFENSE): 0.2 for a in ATTACKS[n:]}
    m = _matrix(worked)
    m = replace(m, cells=[replace(c, drop=drop) if c.defense == NO_DEFENSE else c for c in m.cells])
    table = {c.key: c for c in controls(m, NAMES)}
    assert table[NO_DEFENSE].attacks == n
    assert table[NO_DEFENSE].verdict.endswith(": " + verdict + ".")
    advice = recommend(list(table.values()))[0]
    if drop > 0.01:
        assert "passed" not in advice and "5.0 points below a clean model, which a careful check could notice" in advice
        assert ("at most 5.0" in advice) == (n > 1)
    else:
        assert advice.startswith("Do not rely on accuracy testing: it passed ")


def test_a_fast_control_never_reads_as_free_compute():
    m = _matrix({})
    fast = replace(m, cells=[replace(c, seconds=0.3) for c in m.cells])
    pruning = next(c for c in controls(fast, NAMES) if c.key == "fine_pruning")
    assert pruning.cost.startswith("under a second of compute per model before each release on this server;")
    assert "0 s" not in pruning.cost
