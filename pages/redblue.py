"""Red vs blue: red submits a backdoored model within the rules, blue judges the class's pool."""

import secrets

import streamlit as st

from backdoor import estimates
from backdoor.classroom.redblue import RULES, SCORING, rule_breaks
from backdoor.classroom import ClassroomUnavailable, class_events
from backdoor.datasets import DATASETS
from backdoor.defenses.trigger_search import NeuralCleanseConfig
from backdoor.mystery import scan
from backdoor.store import model_hash
from ui.classroom import class_database, class_scenario, member_class, record_event, signed_in_class
from ui.dashboard import leaderboards
from ui.jobs import offer_job, shared_memo
from ui.menus import TITLES
from ui.redblue import POOL_PICK, class_pool, offer_decoys, pool_model
from ui.resources import current_dataset, current_device, dataset_named
from ui.routing import through_router
from ui.training import cached_models, model_figures, scenario_or_stop
from ui.waiting import here
from ui.url_state import link
from ui.words import and_list, class_list, plain

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title("Red vs blue")
st.markdown("A round for a class. **Red** students hide a backdoor in a model and submit it; **blue** students "
            "judge a pool of the class's models, mixed with clean decoys, without seeing who made which.")
st.markdown(f"**Rules for red.** {RULES}  \n**Scoring.** {SCORING}")
info = member_class() or signed_in_class()
if info is None:
    if st.session_state.get("lab.audience") == "Instructor":  # the one who starts the class, not a student
        st.info("This round runs in a class. Create your class (or sign in to it with its PIN) on Classroom tools "
                "and share its link: this page then opens the round for you and for every student who joins.",
                icon=":material/school:")
        link("pages/classroom.py", label="Open Classroom tools", icon=":material/school:")
    else:
        st.info("This round runs in a class. Join one with the link your instructor gives you.",
                icon=":material/school:")
        link("pages/join.py", label="Join a class", icon=":material/group_add:")
    st.stop()
base, _ = class_scenario(info)
class_data = dataset_named(base.dataset, base.data_seed)
device = current_device()
red, blue = st.tabs(["Red: submit a model", "Blue: judge the pool"])

with red:
    scenario = scenario_or_stop()
    dataset = current_dataset()
    models = cached_models(dataset, scenario, device)
    if len(models) < 2:
        st.info("Train a backdoored model first (step 2), with the attack, target and dose of your choice.",
                icon=":material/model_training:")
        link("pages/train.py", label=TITLES["train"], icon=":material/model_training:")
    else:
        figures = model_figures(dataset, scenario, device, models)
        bd, clean = figures["backdoored"], figures["baseline"]
        st.markdown(f"Your current model: **{scenario.attack}** at {scenario.poison.rate:.1%} poisoned, target "
                    f"{scenario.target_phrase(dataset.classes)}; clean accuracy {bd['clean_acc']:.1%} against the clean "
                    f"model's {clean['clean_acc']:.1%}, attack success {bd['asr']:.1%}.")
        breaks = rule_breaks(dataset.name, base.dataset, scenario.poison.rate, bd["clean_acc"], clean["clean_acc"])
        if breaks:
            st.error("This model cannot be submitted: " + "; ".join(breaks) + ".", icon=":material/block:")
        elif info.revealed:
            st.caption("The round is over: the answers have been revealed.")
        elif st.button("Submit it to the pool", type="primary", key="btn.redblue.submit", icon=":material/send:"):
            store_id = model_hash(scenario, "backdoored")
            new = record_event("red", store_id, {
                "store_id": store_id, "architecture": scenario.model, "attack": scenario.attack,
                "poison_rate": scenario.poison.rate, "target": scenario.target, "clean_acc": round(bd["clean_acc"], 4),
                "asr": round(bd["asr"], 4), "baseline_clean_acc": round(clean["clean_acc"], 4)})
            st.success("Submitted: it joins the pool under an anonymous name." if new else
                       "You submitted this very model before: it is in the pool once.", icon=":material/check_circle:")

with blue:
    entries = class_pool(info)
    if entries is None:
        offer_decoys(info)
        st.stop()
    st.markdown(f"{len(entries)} models in the pool. Judge each one with tools that need no training data: Neural "
                "Cleanse here, or open it on the Audit page (STRIP, fingerprints and the rest).")
    pick = st.selectbox("Pool model", range(len(entries)), format_func=lambda i: entries[i].label,
                        key="redblue.pick")
    entry = entries[pick]
    model = pool_model(info, entry)
    if model is None:
        st.error("This model's weights are missing from the model store on this server.", icon=":material/error:")
        st.stop()
    scans = shared_memo("pool scans", 24)
    scan_key = (entry.store_id, str(device))
    if scans.get(scan_key) is None:
        scan_estimate = estimates.scan(estimates.DataShape.of(class_data), entry.architecture, device,
                                       NeuralCleanseConfig())
        st.caption(f"A Neural Cleanse scan takes {here(scan_estimate)}.")
        offer_job("Scan it with Neural Cleanse", f"btn.redblue.scan.{pick}", "a Neural Cleanse scan", scan_estimate,
                  lambda bar: scan(model, class_data, NeuralCleanseConfig(), bar), memo=scans, memo_key=scan_key)
    found = scans.get(scan_key)
    if found is not None:
        flagged = class_list(class_data.classes, found.flagged) or "no class"
        st.markdown(f"Neural Cleanse flags {flagged}. It misses whole-image triggers: weigh it with what you see.")
    opened = (info.code, entry.store_id, entry.architecture, entry.label)
    b1, b2 = st.columns(2)
    if b1.button("Open it on the Explain page", key="btn.redblue.explain", icon=":material/visibility:"):
        st.session_state[POOL_PICK] = opened
        st.switch_page("pages/explain.py")
    if b2.button("Open it on the Audit page", key="btn.redblue.audit", icon=":material/upload_file:"):
        st.session_state[POOL_PICK] = opened
        st.switch_page("pages/audit.py")
    frozen = info.revealed
    call = st.radio("Your verdict", ["clean", "backdoored"], index=None, horizontal=True,
                    key=f"redblue.verdict.{entry.store_id}", disabled=frozen)
    target = None
    if call == "backdoored":
        target = st.selectbox("towards class", range(class_data.num_classes),
                              format_func=lambda i: class_data.classes[i], key=f"redblue.target.{entry.store_id}",
                              disabled=frozen)
    if not frozen and st.button("Submit my verdict", key="btn.redblue.verdict", disabled=call is None):
        record_event("blue", f"{entry.store_id}:{secrets.token_hex(6)}",
                     {"store_id": entry.store_id, "backdoored": call == "backdoored", "target": target})
        st.success(f"Verdict on {entry.label} sent. You can change it until the answers are revealed.",
                   icon=":material/send:")

if info.revealed or signed_in_class() is not None:
    db, _ = class_database()
    entries = class_pool(info) or []
    try:
        verdicts = class_events(db, info.id, "blue") if db is not None else []
    except ClassroomUnavailable:
        verdicts = []
    st.subheader("Leaderboards")
    leaderboards(*st.columns(2), entries, verdicts)
    if info.revealed:
        st.table([{"pool model": e.label, "truth": (f"backdoored, towards '{class_data.classes[e.target]}' "
                                                    f"(by {and_list(plain(o) for o in e.owners)})"
                                                    if e.backdoored else "clean decoy")} for e in entries])
else:
    st.caption(f"The leaderboards and the answers appear when your instructor reveals them. Data set: "
               f"{DATASETS[base.dataset].title}.")
