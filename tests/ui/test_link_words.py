"""The note about a link's unused settings, at its edges: none, one, several, odd values."""

from ui.link_words import LONGEST, Unused, number, quoted, unused_notice

RATE = Unused("Poison rate (%)", "95", "the lab offers 0 to 50", "10")


def test_a_link_used_in_full_says_nothing():
    assert unused_notice([]) == ""


def test_one_unused_setting_is_named_with_why_and_what_is_used():
    words = unused_notice([RATE])
    assert words.startswith("This link carries a setting the lab does not offer, so that setting opens on its usual "
                            "value. Everything else in the link is kept.")
    assert words.endswith("- **Poison rate (%)**: the link asked for `95`, but the lab offers 0 to 50; "
                          "the lab uses **10**.")


def test_several_are_counted_and_each_gets_a_line():
    words = unused_notice([RATE, RATE, RATE])
    assert words.startswith("This link carries 3 settings the lab does not offer, so they open on their usual values.")
    assert words.count("\n- ") == 3


def test_a_value_is_quoted_as_code_on_one_line_and_cut():
    assert quoted("95") == "`95`"
    assert quoted("") == "nothing"
    assert quoted("a`b") == "`a'b`"  # a backtick cannot close the code early
    assert quoted("two\nlines  here") == "`two lines here`"
    long = quoted("x" * 100)
    assert len(long) == LONGEST + 2 and long.endswith("…`")
    assert quoted("y" * LONGEST) == f"`{'y' * LONGEST}`"  # exactly the longest: kept whole


def test_numbers_read_as_the_widgets_show_them():
    assert [number(v) for v in (10.0, 0.0, 0.15, 0.001, 0.0003, 50, -3.0, 9999)] == [
        "10", "0", "0.15", "0.001", "0.0003", "50", "-3", "9999"]
    assert number(0.00005) == "0.00005"
