"""The incident drill: a vendor update is backdoored; watch the monitor, roll back, read the timeline."""

import tomllib

import streamlit as st

from backdoor.drill import DrillConfig, ModelRegistry, replay, simulate
from ui.drill_words import at, monitor_line, registry_caption, timeline_sentence, version_status
from ui.glossary import glossary_link
from ui.jobs import shared_memo
from ui.lessons import LESSONS
from ui.resources import current_dataset, current_device
from ui.menus import menu_title
from ui.routing import through_router
from ui.training import scenario_or_stop, trained_or_stop
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

with open(LESSONS / "drill.toml", "rb") as f:
    words = tomllib.load(f)

STEP = 20  # requests served per click
s = st.session_state
config = DrillConfig(seed=int(s["lab.seed"]))
st.title(menu_title("drill", "Incident drill: a backdoored update, and the rollback"))
with st.container(border=True):
    st.markdown(words["lesson"].format(served=config.update_at, live=config.update_at + 1))
glossary_link("trigger", "fingerprint", "false-rejection")
if s.get("lab.audience") == "Instructor":
    st.info(words["tabletop"], icon=":material/groups:")

dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()
if scenario.poison.rate <= 0:  # the story's v2 is the backdoored model: here it has no backdoor to drill
    st.info(words["nothing_poisoned"], icon=":material/info:")
models, _ = trained_or_stop(dataset, scenario, device)
versions = {1: models["baseline"].model, 2: models["backdoored"].model}
registry = (ModelRegistry().register(versions[1], "trained in-house on the approved data")
            .register(versions[2], "vendor update (delivered as a model file)"))

with st.spinner("Preparing the traffic: every request screened by the monitor..."):
    traffic = shared_memo("drills", 8).get_or_compute((repr(scenario), str(device), config),
                                                      lambda: simulate(dataset, scenario, versions, config))

if s.get("drill.key") != repr((scenario, config)):  # other settings: a new drill
    s["drill.key"], s["drill.clock"], s["drill.rollback"] = repr((scenario, config)), 0, -1
clock, rollback = int(s["drill.clock"]), int(s["drill.rollback"])
rollback_at = None if rollback < 0 else rollback
live = replay(traffic, config, rollback_at, until=clock)
serving = 1 if clock < config.update_at or rollback_at is not None else 2

st.subheader("The model registry")
# what the operator acts on first (a phone shows two or three columns before the table scrolls)
st.dataframe([{"version": f"v{v.number}", "status": version_status(v.number, serving, rollback_at),
               "fingerprint checked": "matches" if registry.verify(v.number, versions[v.number]) else "DIFFERS",
               "fingerprint (SHA-256)": v.fingerprint[:16] + "...", "source": v.source}
              for v in registry.versions], hide_index=True, width="stretch")
st.caption(registry_caption(config, rollback_at))

st.subheader("The traffic, as the operator sees it")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Requests served", f"{clock} of {config.requests}")
c2.metric("Serving", f"v{serving}")
c3.metric("Flagged by the monitor", live.flagged)
c4.metric("Alert", at(live.alert_at) if live.alerted else "never" if clock >= config.requests else "none yet")
(st.error if live.alerted else st.info)(monitor_line(live, config), icon=":material/monitor_heart:")


def serve(count: int) -> None:
    s["drill.clock"] = min(int(s["drill.clock"]) + count, config.requests)


def roll_back() -> None:
    s["drill.rollback"] = int(s["drill.clock"])


def again() -> None:
    s["drill.clock"], s["drill.rollback"] = 0, -1


over = clock >= config.requests
row = st.container(horizontal=True)  # four buttons that wrap whole on a narrow page, never mid-label
row.button(f"Serve the next {STEP} requests", on_click=serve, args=(STEP,), disabled=over, key="btn.drill.serve",
           type="primary", icon=":material/play_arrow:")
row.button("Roll back to v1", on_click=roll_back, disabled=over or serving != 2, key="btn.drill.rollback",
           icon=":material/undo:", help="Redeploy the last approved version (v1) from the registry.")
row.button("Serve to the end", on_click=serve, args=(config.requests,), disabled=over, key="btn.drill.end",
           icon=":material/fast_forward:")
row.button("Start again", on_click=again, key="btn.drill.again", icon=":material/restart_alt:")

if over:
    t = live
    st.subheader("The incident timeline")
    st.dataframe([
        {"event": "vendor update v2 goes live", "when": at(t.update_at)},
        {"event": "first triggered request", "when": at(t.first_triggered)},
        {"event": "monitor alert", "when": at(t.alert_at)},
        {"event": "rollback to v1", "when": at(t.rollback_at)},
        {"event": "harmful decisions before the alert" if t.alerted else "harmful decisions (no alert came)",
         "when": str(t.harmful_until_alert if t.alerted else t.harmful)},
        {"event": "harmful decisions before the rollback", "when": str(t.harmful_until_rollback)},
        {"event": "honest requests flagged (false alarms)", "when": str(t.honest_flagged)},
    ], hide_index=True, width="stretch")
    st.markdown(timeline_sentence(t))
    s["drill.summary"] = (repr(scenario), timeline_sentence(t))  # the board brief quotes it
    st.subheader("The playbook")
    st.table([{"step": p["step"], "who": p["who"], "what": p["what"]} for p in words["playbook"]])
else:
    st.caption("The timeline, with the harm the backdoor did, appears when all the requests are served.")
next_link("drill")
