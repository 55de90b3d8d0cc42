"""The incident drill's sentences, from its timeline. Pure functions: tested at their edges."""

from __future__ import annotations

from backdoor.drill import DrillConfig, Timeline
from ui.words import agree, count_of


def at(request: int | None) -> str:
    """A request index (from 0) as people count it: "request 54"."""
    return "never" if request is None else f"request {request + 1}"


def _decisions(n: int) -> str:
    """"no harmful decision", "1 harmful decision", "3 harmful decisions"."""
    return "no harmful decision" if n == 0 else count_of(n, "harmful decision")


def monitor_line(live: Timeline, config: DrillConfig) -> str:
    """What the operator sees now: only the monitor's view, never the hidden truth."""
    rule = f"{config.alert_after} of the last {config.window} requests"
    if live.requests >= config.requests:  # the drill is over: nothing left to serve or roll back
        if not live.alerted:
            return (f"All {config.requests} requests served. The monitor flagged {count_of(live.flagged, 'request')} "
                    f"and never alerted (it alerts when it flags {rule}). What happened, request by request, is below.")
        return (f"All {config.requests} requests served. ALERT at {at(live.alert_at)}: the monitor flagged {rule}. "
                "What happened, request by request, is below.")
    if live.rollback_at is not None:  # the operator has acted: nothing more to ask but to serve the rest
        seen = (f"ALERT at {at(live.alert_at)}: the monitor flagged {rule}." if live.alerted else
                f"{count_of(live.flagged, 'request')} flagged so far, no alert (it alerts when it flags {rule}).")
        return (f"{seen} You rolled back: v1 serves again from {at(live.rollback_at)} on. Serve the rest of the "
                "requests to see what the backdoor cost.")
    if not live.alerted:
        return (f"{count_of(live.flagged, 'request')} flagged so far; the monitor alerts when it flags {rule}. "
                "Keep serving, or roll back when you choose.")
    return (f"ALERT at {at(live.alert_at)}: the monitor flagged {rule}. The answers still went out. Roll back to v1 "
            "now, or keep serving and see what it costs.")


def version_status(number: int, serving: int, rollback_at: int | None) -> str:
    """A registry row's status: the one serving, the update taken out of service, or one kept for later."""
    if number == serving:
        return "serving"
    return "rolled back, not serving" if number == 2 and rollback_at is not None else "kept, not serving"


def registry_caption(config: DrillConfig, rollback_at: int | None) -> str:
    """When each version served, as far as the operator has got."""
    when = f"v2 goes live at {at(config.update_at)}"
    if rollback_at is not None:
        when += f"; you rolled back to v1 at {at(rollback_at)}"
    return (f"{when}. A version is never changed once registered: a rollback redeploys v1's exact file, and its "
            "fingerprint proves it.")


def timeline_sentence(t: Timeline) -> str:
    """The incident in one paragraph, once the drill is over (true before, at and after every event)."""
    if t.triggered == 0:
        return "No triggered request was sent in this drill: nothing was hijacked."
    lead = f"The attack began at {at(t.first_triggered)} and sent {count_of(t.triggered, 'triggered request')}. "
    if not t.alerted:
        lead += "The monitor never alerted"
    else:
        lead += f"{_decisions(t.harmful_until_alert).capitalize()} went out before the alert"
        if t.false_alert:
            lead += " (the alert itself came before any triggered request: a false alarm that happened to be right)"
    if t.rollback_at is None and t.harmful == 0:
        missed = ("its one triggered request did not go" if t.triggered == 1
                  else f"none of the {t.triggered:,} triggered requests went")
        end = f", and even with no rollback the update made no harmful decision: {missed} the attacker's way."
    elif t.rollback_at is None:
        end = (f", and with no rollback the backdoored update made {_decisions(t.harmful)} in all "
               f"({t.harmful} of {t.triggered} triggered requests).")
    else:
        if t.first_triggered is not None and t.rollback_at <= t.first_triggered:
            end = (f"; the rollback at {at(t.rollback_at)} came before the first triggered request, so the backdoored "
                   "update answered none of them")
        else:
            end = (f"; the rollback at {at(t.rollback_at)} came before any harmful decision" if not t.harmful_until_rollback
                   else f"; the rollback at {at(t.rollback_at)} stopped it after {_decisions(t.harmful_until_rollback)}")
        after = t.harmful - t.harmful_until_rollback  # v1's own mistakes on triggered requests, after the rollback
        end += (f", and v1, the clean model, answered {count_of(after, 'more triggered request')} the attacker's way on "
                "its own." if after > 0 else ".")
    alarms = ("Along the way the monitor flagged no honest request: no false alarm to review." if not t.honest_flagged
              else f"Along the way the monitor flagged {count_of(t.honest_flagged, 'honest request')} "
                   f"({agree(t.honest_flagged, 'a false alarm', 'false alarms')} someone had to review).")
    return f"{lead}{end} {alarms}"
