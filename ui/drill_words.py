"""The incident drill's sentences, from its timeline. Pure functions: tested at their edges."""

from __future__ import annotations

from backdoor.drill import DrillConfig, Timeline
from ui.words import count_of


def at(request: int | None) -> str:
    """A request index (from 0) as people count it: "request 54"."""
    return "never" if request is None else f"request {request + 1}"


def monitor_line(live: Timeline, config: DrillConfig) -> str:
    """What the operator sees now: only the monitor's view, never the hidden truth."""
    rule = f"{config.alert_after} of the last {config.window} requests"
    if not live.alerted:
        return (f"{count_of(live.flagged, 'request')} flagged so far; the monitor alerts when it flags {rule}. "
                "Keep serving, or roll back when you choose.")
    return (f"ALERT at {at(live.alert_at)}: the monitor flagged {rule}. The answers still went out. Roll back to v1 "
            "now, or keep serving and see what it costs.")


def timeline_sentence(t: Timeline) -> str:
    """The incident in one paragraph, once the drill is over."""
    if t.triggered == 0:
        return "No triggered request was sent in this drill: nothing was hijacked."
    lead = (f"The attack began at {at(t.first_triggered)} and sent {count_of(t.triggered, 'triggered request')}. "
            f"{count_of(t.harmful_until_alert, 'harmful decision')} went out before the alert")
    if not t.alerted:
        lead = (f"The attack began at {at(t.first_triggered)} and sent {count_of(t.triggered, 'triggered request')}. "
                "The monitor never alerted")
    elif t.false_alert:
        lead += " (the alert itself came before any triggered request: a false alarm that happened to be right)"
    if t.rollback_at is None:
        end = (f", and with no rollback the backdoored update made {count_of(t.harmful, 'harmful decision')} in all "
               f"({t.harmful} of {t.triggered} triggered requests).")
    else:
        end = (f"; the rollback at {at(t.rollback_at)} stopped it after "
               f"{count_of(t.harmful_until_rollback, 'harmful decision')} in all.")
    return (f"{lead}{end} Along the way the monitor flagged {count_of(t.honest_flagged, 'honest request')} "
            "(false alarms someone had to review).")
