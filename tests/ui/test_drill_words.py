"""The incident drill's sentences at their edges: no attack, no alert, a false alarm, a rollback or none."""

from dataclasses import replace

from backdoor.drill import DrillConfig, Timeline
from ui.drill_words import at, monitor_line, registry_caption, timeline_sentence, version_status


def line(first=80, triggered=20, alert=90, rollback=None, until_alert=3, until_rollback=20, harmful=20, honest=2,
         flagged=5, served=120):
    return Timeline(served, 40, 75, first, triggered, alert, rollback, until_alert, until_rollback, harmful, honest, flagged)


def test_requests_are_counted_from_one():
    assert at(0) == "request 1" and at(None) == "never"


def test_the_monitor_line_shows_only_what_the_operator_knows():
    config = DrillConfig()
    quiet = monitor_line(line(alert=None, flagged=1), config)
    assert quiet.startswith("1 request flagged so far") and "4 of the last 20 requests" in quiet
    assert "harmful" not in quiet
    loud = monitor_line(line(alert=89), config)
    assert loud.startswith("ALERT at request 90") and "answers still went out" in loud


def test_once_every_request_is_served_the_monitor_line_says_so_and_asks_for_nothing():
    config = DrillConfig()
    done = replace(line(alert=None, flagged=1), requests=config.requests)
    assert monitor_line(done, config) == (f"All {config.requests} requests served. The monitor flagged 1 request and "
                                          "never alerted (it alerts when it flags 4 of the last 20 requests). What "
                                          "happened, request by request, is below.")
    loud = monitor_line(replace(line(alert=89), requests=config.requests), config)
    assert loud.startswith(f"All {config.requests} requests served. ALERT at request 90") and "Roll back" not in loud
    assert "Keep serving" in monitor_line(replace(done, requests=config.requests - 1), config)


def test_after_a_rollback_the_monitor_line_no_longer_asks_for_one():
    config = DrillConfig()
    # alerted, then rolled back
    after = monitor_line(line(alert=89, rollback=100), config)
    assert after == ("ALERT at request 90: the monitor flagged 4 of the last 20 requests. You rolled back: v1 serves "
                     "again from request 101 on. Serve the rest of the requests to see what the backdoor cost.")
    # rolled back before any alert, with no request flagged, and with one
    for flagged, said in ((0, "0 requests"), (1, "1 request")):
        early = monitor_line(line(alert=None, rollback=41, flagged=flagged), config)
        assert early.startswith(f"{said} flagged so far, no alert (it alerts when it flags 4 of the last 20 requests). "
                                "You rolled back: v1 serves again from request 42 on.")
    # an alert that came after the rollback (v1 flagged) reads the same, and never asks to roll back again
    late = monitor_line(line(alert=150, rollback=60), config)
    assert "Roll back" not in late and "You rolled back" in late
    # the drill over: the summary, as before
    assert monitor_line(replace(line(alert=89, rollback=100), requests=config.requests), config).startswith("All ")


def test_the_registry_says_which_version_serves_and_when_each_went_live():
    assert [version_status(n, 1, None) for n in (1, 2)] == ["serving", "kept, not serving"]
    assert [version_status(n, 2, None) for n in (1, 2)] == ["kept, not serving", "serving"]
    assert [version_status(n, 1, 55) for n in (1, 2)] == ["serving", "rolled back, not serving"]
    config = DrillConfig()
    assert registry_caption(config, None).startswith("v2 goes live at request 41. A version is never changed")
    assert registry_caption(config, 40).startswith("v2 goes live at request 41; you rolled back to v1 at request 41. ")


def test_the_timeline_with_and_without_a_rollback():
    kept = timeline_sentence(line())
    assert kept.startswith("The attack began at request 81 and sent 20 triggered requests. 3 harmful decisions went "
                           "out before the alert, and with no rollback")
    assert "20 harmful decisions in all (20 of 20 triggered requests)" in kept
    assert kept.endswith("flagged 2 honest requests (false alarms someone had to review).")
    rolled = timeline_sentence(line(rollback=95, until_rollback=4, harmful=4, honest=1))
    assert "; the rollback at request 96 stopped it after 4 harmful decisions. Along" in rolled
    assert "flagged 1 honest request (" in rolled
    # the clean model, back in service, got one triggered request wrong the attacker's way by itself
    mistake = timeline_sentence(line(rollback=95, until_rollback=4, harmful=5))
    assert ("stopped it after 4 harmful decisions, and v1, the clean model, answered 1 more triggered request the "
            "attacker's way on its own.") in mistake
    # rolled back before the attack began (at the very request, too): the backdoored update answered none
    for rollback in (60, 79):
        early = timeline_sentence(line(first=79, alert=None, rollback=rollback, until_rollback=0, harmful=0))
        assert (f"The monitor never alerted; the rollback at request {rollback + 1} came before the first triggered "
                "request, so the backdoored update answered none of them. Along") in early
    one = timeline_sentence(line(until_alert=1, triggered=1, harmful=1, until_rollback=1))
    assert "sent 1 triggered request. 1 harmful decision went out" in one
    none = timeline_sentence(line(until_alert=0, harmful=0, until_rollback=0))
    assert "No harmful decision went out before the alert, and even with no rollback the update made no harmful " \
           "decision: none of the 20 triggered requests went the attacker's way." in none
    lone = timeline_sentence(line(alert=None, until_alert=0, triggered=1, harmful=0, until_rollback=0))
    assert lone.startswith("The attack began at request 81 and sent 1 triggered request. The monitor never alerted, "
                           "and even with no rollback the update made no harmful decision: its one triggered request "
                           "did not go the attacker's way. Along")


def test_no_alert_a_false_alarm_and_no_attack():
    assert "The monitor never alerted, and with no rollback" in timeline_sentence(line(alert=None))
    early = timeline_sentence(line(alert=50, until_alert=0))
    assert "No harmful decision went out before the alert (the alert itself came before any triggered request" in early
    assert timeline_sentence(line(first=None, triggered=0, alert=None, harmful=0)) == (
        "No triggered request was sent in this drill: nothing was hijacked.")


def test_false_alarms_and_a_harmless_rollback_read_right_at_none_and_one():
    assert timeline_sentence(line(honest=0)).endswith("Along the way the monitor flagged no honest request: no false "
                                                      "alarm to review.")
    assert timeline_sentence(line(honest=1)).endswith("flagged 1 honest request (a false alarm someone had to review).")
    # rolled back after the attack began but before any triggered request was answered the attacker's way
    calm = timeline_sentence(line(rollback=90, until_rollback=0, harmful=0))
    assert "; the rollback at request 91 came before any harmful decision. Along" in calm
    assert "stopped it after no" not in calm
