"""The matrix beside BackdoorBench: sentences true at every count, a table a phone can read, and the
view drawn for a student and for a stakeholder."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from backdoor.matrix import NO_DEFENSE, Cell
from backdoor.reference import Pair, Published
from ui.reference_view import agreement_sentence, compact_table, differing, stakeholder_sentence


def _pair(attack: str, defense: str, ours: float, theirs: float) -> Pair:
    return Pair(Cell(attack, defense, 0.97, ours, 0.01, 1.0, "hand-made"), Published(attack, defense, 0.9, theirs, 0.02))


AGREE = _pair("badnets", "neural_cleanse", 0.0, 0.0)
DIFFER = _pair("badnets", "anp", 1.0, 0.0)


@pytest.mark.parametrize("found, said", [
    ([], "BackdoorBench has no figures for any attack and defense pair of this matrix."),
    ([AGREE], "The one pair both tables hold agrees."),
    ([DIFFER], "The one pair both tables hold differs."),
    ([AGREE, AGREE], "Both pairs the two tables hold agree."),
    ([DIFFER, DIFFER], "Neither pair the two tables hold agrees."),
    ([AGREE, AGREE, AGREE], "All 3 pairs both tables hold agree."),
    ([DIFFER, DIFFER, DIFFER], "None of the 3 pairs both tables hold agree."),
    ([AGREE, DIFFER, DIFFER], "Of the 3 pairs both tables hold, 1 agrees and 2 differ."),
    ([AGREE, AGREE, DIFFER], "Of the 3 pairs both tables hold, 2 agree and 1 differs."),
])
def test_the_agreement_sentence_counts_right_at_every_edge(found, said):
    assert agreement_sentence(found) == said


@pytest.mark.parametrize("found, part", [
    ([], "has no figures for these attacks and defenses"),
    ([AGREE], "ran this attack and defense pair on a far larger model and colour photos, and agrees with this server"),
    ([DIFFER], "and disagrees with this server"),
    ([AGREE, AGREE], "agrees with this server on every one"),
    ([DIFFER, DIFFER], "agrees with this server on none"),
    ([AGREE, DIFFER], "ran 2 of these attack and defense pairs on a far larger model and colour photos, and agrees "
                      "with this server on 1 of 2"),
])
def test_the_stakeholder_hears_one_plain_sentence(found, part):
    said = stakeholder_sentence(found)
    assert part in said and said.count(". ") == 0 and "](https://backdoorbench.github.io/" in said


def test_at_exactly_ten_percent_both_count_as_stopped():
    assert agreement_sentence([_pair("wanet", "anp", 0.1, 0.1)]) == "The one pair both tables hold agrees."


def test_the_table_has_four_columns_for_a_phone():
    lines = compact_table([AGREE, DIFFER, _pair("sig", NO_DEFENSE, 1.0, 0.98)]).splitlines()
    assert len(lines) == 2 + 3
    assert all(line.count("|") == 5 for line in lines)
    assert lines[3] == "| BadNets + ANP (Adversarial Neuron Pruning) | 100.0% · 1.0 | 0.0% · 2.0 | " \
                       "differ: ≤10% in BackdoorBench only |"


def test_only_the_defenses_that_differ_are_explained_in_column_order():
    found = [_pair("badnets", "neural_cleanse", 0.0, 0.0), _pair("badnets", "anp", 1.0, 0.0),
             _pair("blended", "neural_cleanse", 0.0, 1.0), _pair("blended", "anp", 1.0, 0.02)]
    assert differing(found) == {"neural_cleanse": ["Blended"], "anp": ["BadNets", "Blended"]}


def _page():
    from backdoor.matrix import AttackRow, Cell, Matrix
    from ui.reference_view import show_published_beside

    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0)]
    cells = [Cell("badnets", "none", 0.97, 1.0, 0.006, 0.0, "as trained"),
             Cell("badnets", "neural_cleanse", 0.96, 0.007, 0.018, 19.0, "found it"),
             Cell("badnets", "anp", 0.966, 1.0, 0.012, 5.0, "pruned nothing"),
             Cell("badnets", "strip", 0.92, 0.0, 0.05, 2.0, "rejects")]
    show_published_beside(Matrix("k", "mnist-5k", 0.976, rows, cells, 10.0))


def _text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("subheader", "markdown", "caption") for e in getattr(at, kind))


def test_a_student_sees_the_setting_the_table_and_why_anp_differs():
    at = AppTest.from_function(_page, default_timeout=30).run()
    assert not at.exception
    text = _text(at)
    assert "Beside the published benchmark" in text
    assert "**CIFAR-10** with **PreAct-ResNet18**, **10%** of the training set poisoned, all-to-one" in text
    assert "Of the 3 pairs both tables hold, 2 agree and 1 differs." in text
    assert "| BadNets + Neural Cleanse | 0.7% · 1.8 | 1.3% · 2.3 | agree: ≤10% in both |" in text
    assert "**ANP (Adversarial Neuron Pruning)** differs on BadNets. ANP shakes" in text
    assert "**Neural Cleanse** differs" not in text
    assert "no figures for STRIP" in text


def test_a_stakeholder_sees_one_sentence_and_no_table():
    at = AppTest.from_function(_page, default_timeout=30)
    at.session_state["lab.audience"] = "Stakeholder"
    at.run()
    assert not at.exception
    assert [str(m.value) for m in at.markdown] == [stakeholder_sentence([AGREE, AGREE, DIFFER])]
    assert not at.caption
