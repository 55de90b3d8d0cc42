"""The library's shared wording, at its edges: none, one, two and more."""

from __future__ import annotations

from backdoor.wording import and_list


def test_names_are_listed_with_and_before_the_last():
    assert and_list([]) == ""
    assert and_list(["STRIP"]) == "STRIP" and and_list(["ANP", "STRIP"]) == "ANP and STRIP"
    assert and_list(["AC", "SS", "ABL"]) == "AC, SS and ABL"
    assert and_list((0, 1, 2)) == "0, 1 and 2"  # seeds are numbers


def test_the_pages_use_the_same_list():
    from ui.words import and_list as pages_list

    assert pages_list is and_list
