"""Sentences built from counts read right at 0, 1 and many."""

import pytest


def test_places_in_line_read_as_ordinals():
    from ui.words import ordinal

    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]


def test_a_queued_job_says_its_place_and_when_it_starts():
    from backdoor.busy import JOBS, Waiting
    from ui.waiting import in_line

    slots = JOBS.slot_count()
    jobs = "1 heavy job" if slots == 1 else f"{slots} heavy jobs"
    assert in_line(Waiting(1, 0.0)) == f"Next in line for the server (it runs {jobs} at once)..."
    assert in_line(Waiting(2, 15.0)) == (f"2nd in line for the server (it runs {jobs} at once), about 15 s "
                                         "until it starts...")


# --- percentages and points, at their edges (expected figures worked out by hand) ---------


def test_percent_prints_one_decimal_of_a_fraction():
    from ui.words import percent

    assert percent(0.9721) == "97.2%" and percent(0.0) == "0.0%" and percent(1.0) == "100.0%"
    # a share that is not zero never reads 0.0%, nor one that is not all 100.0%
    assert percent(0.0004) == "under 0.1%" and percent(0.0005) == "0.1%" and percent(0.9996) == "over 99.9%"
    assert percent(0.9994) == "99.9%"


def test_share_of_nothing_and_of_a_single_image():
    from ui.words import share

    assert share(3, 0) == "0%" and share(0, -5) == "0%"  # an empty whole never divides by zero
    assert share(1, 1) == "100.0%"
    assert share(1, 2000) == "0.1%"  # exactly 0.05%: rounds up to 0.1%, it is not "under 0.1%"
    assert share(1, 20000) == "under 0.1%"  # 0.005%
    assert share(1, 1000) == "0.1%" and share(1, 200) == "0.5%"  # 0.1% and 0.5% are printed, not "under"


def test_points_lost_rounds_to_a_tenth_and_never_reads_minus_zero():
    from ui.words import points_lost

    assert points_lost(0.9, 0.8666) == 3.3  # 3.34 points
    assert points_lost(0.5, 0.0) == 50.0
    assert str(points_lost(0.97, 0.9704)) == "0.0"  # -0.04 points rounds to -0.0, shown as 0.0


def test_points_phrase_says_lost_or_gained_by_the_sign():
    from ui.words import points_phrase

    assert points_phrase(0.6) == "0.6 points lost" and points_phrase(-1.4) == "1.4 points gained"
    assert points_phrase(0.04) == "no change" and points_phrase(0.1) == "0.1 points lost"


def test_metric_delta_words_and_arrows_both_ways():
    from ui.words import metric_delta

    assert metric_delta(0.958, 0.964) == {"delta": "0.6 points gained", "delta_color": "green", "delta_arrow": "up"}
    assert metric_delta(0.97, 0.97046) == {"delta": None}  # 0.046 points shows as 0.0: no arrow
    assert metric_delta(0.97, 0.9706) == {"delta": "0.1 points gained", "delta_color": "green", "delta_arrow": "up"}
    assert metric_delta(0.97, 0.964) == {"delta": "0.6 points lost", "delta_color": "red", "delta_arrow": "down"}
    assert metric_delta(0.2, 0.1, higher_is_better=False, words=("higher", "lower")) == {
        "delta": "10.0 points lower", "delta_color": "green", "delta_arrow": "down"}


def test_ordinals_past_one_hundred():
    from ui.words import ordinal

    assert [ordinal(n) for n in (0, 10, 20, 102, 103, 112, 113, 120, 121, 1001, 1011)] == [
        "0th", "10th", "20th", "102nd", "103rd", "112th", "113th", "120th", "121st", "1001st", "1011th"]


@pytest.mark.parametrize("name, expected", [
    ("800", "an '800'"), ("8000", "an '8000'"), ("11000", "an '11000'"), ("18000", "an '18000'"),
    ("12000", "a '12000'"), ("1100", "a '1100'"), ("1800", "a '1800'"), ("111", "a '111'"), ("181", "a '181'"),
    ("110000", "a '110000'"), ("2", "a '2'"), ("7", "a '7'"),
    ("Airplane", "an 'Airplane'"), ("egg", "an 'egg'"), ("ibis", "an 'ibis'"), ("owl", "an 'owl'"),
    ("euro coin", "a 'euro coin'"), ("one-way sign", "a 'one-way sign'"), ("One way", "a 'One way'"),
    (" 8", "an ' 8'"), (" owl ", "an ' owl '"), ("bird", "a 'bird'"),
])
def test_articles_for_numbers_and_words(name, expected):
    from ui.words import article

    assert article(name) == expected


def test_class_list_quotes_names_and_joins_them_as_read_aloud():
    import torch

    from ui.words import class_list

    classes = ["zero", "one", "two", "three"]
    assert class_list(classes, []) == ""
    assert class_list(classes, [0]) == "'zero'"
    assert class_list(classes, [0, 3]) == "'zero' and 'three'"
    assert class_list(classes, [3, 1, 2]) == "'three', 'one' and 'two'"
    assert class_list(classes, torch.tensor([2])) == "'two'"


def test_typed_text_is_escaped_for_markdown():
    from ui.words import plain

    assert plain("Ada") == "Ada"
    assert plain("**Ada**") == r"\*\*Ada\*\*"
    assert plain("[x](http://e.g)") == "\\[x\\]\\(http\\:\u2060//e\\.g\\)"
    assert plain("$x$ <b>") == r"\$x\$ \<b\>"
    assert plain("") == ""


def test_typed_text_never_becomes_a_link_or_a_fetched_image():
    """Streamlit's Markdown links a bare address even when escaped (st.table's cells too): a student's
    nickname on the instructor's projector must not link away or load a picture from outside. A word joiner
    (invisible) inside the address stops it, and the text reads as typed."""
    from ui.words import JOINER, plain

    for typed, joined in [("![x](http://e.co/a.png)", "http:\u2060//e.co"), ("see www.e.co", "www\u2060.e"),
                          ("WWW.E.CO", "WWW\u2060.E"), ("ada@school.org", "ada\u2060@school"),
                          ("https://e.co", "https:\u2060//e")]:
        shown = plain(typed)
        assert joined in shown.replace("\\", "")
        assert shown.replace("\\", "").replace(JOINER, "") == typed  # nothing else added or lost
    assert plain("Ada: 10:30 / 2") == r"Ada\: 10\:30 / 2"  # a colon alone is left as it was


def test_in_store_agrees_with_its_count():
    from ui.words import in_store

    assert in_store(1) == "1 is in the model store already"
    assert in_store(3) == "3 are in the model store already"
    assert in_store(1200) == "1,200 are in the model store already"
