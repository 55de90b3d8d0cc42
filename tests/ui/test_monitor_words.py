"""A monitor's sentences stay true at 0%, 100%, ties and either order."""

from ui.monitor_words import caught_sentence, monitors_compared, refused_sentence, strip_reading


def test_caught_at_none_some_and_all():
    assert caught_sentence(0.0) == ("It refuses none of the attacker's triggered requests: every one is answered, "
                                    "as the attacker wants.")
    assert caught_sentence(0.25) == "It refuses 25.0% of the attacker's triggered requests; the other 75.0% are answered."
    assert caught_sentence(1.0) == "It refuses every one of the attacker's triggered requests."


def test_refused_at_none_some_and_all():
    assert refused_sentence(0.0) == "It answers every honest request."
    assert refused_sentence(0.046) == "It also turns away 4.6% of honest requests, which then get no answer."
    assert refused_sentence(1.0) == "It turns away every honest request too: the service answers nobody."


def test_two_monitors_compared_either_way_and_tied():
    text = monitors_compared("STRIP", (1.0, 0.046), "SCALE-UP", (0.0, 0.0))
    assert text == ("On this model STRIP catches 100.0% of triggered requests and refuses 4.6% of honest ones; "
                    "SCALE-UP catches 0.0% and refuses 0.0%. STRIP catches more triggered requests than SCALE-UP.")
    assert monitors_compared("STRIP", (0.2, 0.05), "SCALE-UP", (0.9, 0.05)).endswith(
        "SCALE-UP catches more triggered requests than STRIP.")
    assert monitors_compared("STRIP", (0.5, 0.01), "SCALE-UP", (0.5, 0.05)).endswith("Both catch the same share.")


def test_strip_reading_explains_the_pile_only_when_the_trigger_survives_blending():
    caught = strip_reading(0.05, 0.01, 0.1)
    assert caught.startswith("As a monitor in front of the deployed model: at this threshold it turns away 5.0% of "
                             "ordinary requests and lets through 1.0% of the attacker's triggered ones (it catches 99.0%).")
    assert "pile up at the far left" in caught
    missed = strip_reading(0.05, 0.92, 0.1)  # WaNet, all-to-all: STRIP lets most through
    assert "pile up" not in missed and "cannot single them out" in missed
    assert "pile up" in strip_reading(0.05, 0.1, 0.1)  # 90% caught: a pile
    for far in (0.11, 0.5):  # most caught, not all (a higher threshold can catch half of a spread-out crowd)
        most = strip_reading(0.2, far, 0.1)
        assert "pile up" not in most and "Most triggered inputs fall left of the threshold, but not all" in most
    nothing = strip_reading(0.05, 0.95, 0.0)
    assert "Nothing was poisoned" in nothing and "pile up" not in nothing
    assert "Nothing was poisoned" not in strip_reading(0.05, 0.95, None)  # a model from elsewhere: nobody knows
    assert "(it catches under 0.1%)" in strip_reading(0.05, 0.9996, 0.1)  # never "0.0%" for a share that is not zero
