"""The mystery-models challenge: which models are backdoored, and towards which class?"""

import secrets

import streamlit as st

from backdoor import estimates
from backdoor.attacks import ATTACKS
from backdoor.defenses.trigger_search import NeuralCleanseConfig, signed_anomaly_index
from backdoor.metrics import clean_accuracy
from backdoor.mystery import Verdict, draw_challenge, scan, score, train_challenge, unstored
from ui.charts import image_strip
from ui.classroom import CLASS_MODELS, class_challenge, class_scenario, member_class, record_event
from ui.resources import current_dataset, current_device, dataset_named
from ui.training import scenario_or_stop
from ui.jobs import offer_job, shared_memo
from ui.mystery_words import prepare_words
from ui.waiting import busy_note, here
from ui.words import class_list, count_of
from ui.routing import through_router

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title("Mystery models")
st.markdown(
    "Some of these models were trained on poisoned data, with a hidden attack and a hidden target class; the "
    "others are clean. Investigate each one and give your verdict. The instructor picks a **challenge code**: "
    "everyone who enters the same code gets the same models."
)
device = current_device()
in_class = member_class()
if in_class is None:
    dataset = current_dataset()
    base = scenario_or_stop()
    c1, c2 = st.columns(2)
    st.session_state.setdefault("mystery.code", 1234)
    st.session_state.setdefault("mystery.count", 4)
    code = int(c1.number_input("Challenge code", 0, 999_999, key="mystery.code"))
    count = int(c2.slider("Number of models", 2, 6, key="mystery.count"))
else:  # a class shares one challenge: its own code, its preset, its seed
    base, _ = class_scenario(in_class)
    dataset = dataset_named(base.dataset, base.data_seed)
    code, count = class_challenge(in_class), CLASS_MODELS
    st.session_state["mystery.class_code"] = code
    st.info(f"Your class's challenge: {count} models, the same for everyone in class {in_class.code}. Your "
            "instructor reveals the answers at the end; until then you can change your verdicts.",
            icon=":material/school:")
mysteries = draw_challenge(code, count, base, dataset.num_classes)
# keyed by everything the models depend on: each one's full scenario (data, seed, training), and the device
key = (code, tuple(m.scenario for m in mysteries), str(device))
challenges = shared_memo("mystery models", 4)
models = challenges.get(key)
if models is None:
    to_train = unstored(mysteries)  # the rest load from the model store
    estimate = estimates.trainings(estimates.DataShape.of(dataset), [m.scenario for m in to_train], device,
                                   measure_asr=False)
    st.caption(prepare_words(count, len(to_train), here(estimate)) + busy_note())
    offer_job("Prepare the mystery models", "btn.mystery.prepare", "preparing mystery models", estimate,
              lambda bar: train_challenge(dataset, mysteries, device, bar), memo=challenges, memo_key=key,
              type="primary")
    st.stop()

st.subheader("Investigate")
pick = st.selectbox("Model", range(1, count + 1), format_func=lambda n: f"Mystery model {n}", key="mystery.pick")
model = models[pick - 1]
acc = clean_accuracy(model, *dataset.held_out, device)
st.markdown(f"Mystery model {pick} gets **{acc:.1%}** of the {len(dataset.held_out[1]):,} held-out test images right: "
            "on accuracy alone every model looks fine.")
scans = shared_memo("mystery scans", 24)
scan_key = (key, pick)
scan_estimate = estimates.scan(estimates.DataShape.of(dataset), base.model, device, NeuralCleanseConfig())
if scans.get(scan_key) is None:
    st.caption(f"A scan takes {here(scan_estimate)}.{busy_note()}")
    offer_job("Scan it with Neural Cleanse", f"btn.mystery.scan.{pick}", "a Neural Cleanse scan", scan_estimate,
              lambda bar: scan(model, dataset, NeuralCleanseConfig(), bar), memo=scans, memo_key=scan_key,
              start="Searching every class for a small trigger...")
found = scans.get(scan_key)
if found is not None:
    flagged = class_list(dataset.classes, found.flagged) or "no class"
    smallest = int(found.mask_norms.argmin())
    threshold = NeuralCleanseConfig().threshold
    signed = float(signed_anomaly_index(found.mask_norms)[smallest])
    st.markdown(f"Neural Cleanse flags {flagged} (anomaly index -{threshold:g} or below: a trigger far smaller than "
                f"usual). The smallest reverse-engineered trigger belongs to '{dataset.classes[smallest]}' "
                f"(about {count_of(round(float(found.mask_norms[smallest])), 'pixel')}; anomaly index "
                f"{round(signed, 1) + 0.0:+.1f}). Remember: it misses "
                "whole-image triggers.")
    image_strip([found.masks[k][None] * found.patterns[k] for k in range(dataset.num_classes)],
                [f"'{c}'" for c in dataset.classes])

st.subheader("Your verdicts")
frozen = in_class is not None and in_class.revealed
verdicts = {}
for m in mysteries:
    v1, v2 = st.columns([2, 3])
    call = v1.radio(f"Mystery model {m.number}", ["clean", "backdoored"], index=None, horizontal=True,
                    key=f"mystery.verdict.{code}.{m.number}", disabled=frozen)
    if call is not None:
        target = None
        if call == "backdoored":
            target = v2.selectbox("towards class", range(dataset.num_classes), format_func=lambda i: dataset.classes[i],
                                  key=f"mystery.target.{code}.{m.number}", disabled=frozen)
        verdicts[m.number] = Verdict(call == "backdoored", target)


def show_truth() -> None:
    result = score(mysteries, verdicts)
    st.table([{"model": f"Mystery model {m.number}",
               "truth": (f"backdoored: {ATTACKS[m.attack].title}, towards '{dataset.classes[m.target]}'"
                         if m.backdoored else "clean"),
               "your verdict": ("no answer" if m.number not in verdicts else
                                "backdoored" + (f", towards '{dataset.classes[verdicts[m.number].target]}'"
                                                if verdicts[m.number].target is not None else "")
                                if verdicts[m.number].backdoored else "clean")}
              for m in mysteries])
    st.success(f"**{result.points} of {result.possible} points**: {result.right_calls} of {count} models called "
               f"right, {count_of(result.right_targets, 'target')} found" +
               (f", {result.unanswered} left unanswered." if result.unanswered else "."), icon=":material/emoji_events:")


if in_class is None:
    if st.button("Reveal the truth", key="btn.mystery.reveal", disabled=not verdicts):
        show_truth()
elif frozen:
    st.caption("Your instructor revealed the answers: verdicts are final.")
    show_truth()
else:
    if st.button("Submit my verdicts", key="btn.mystery.submit", type="primary", disabled=not verdicts):
        submission = secrets.token_hex(6)  # this click: recorded once however often it is retried
        for number, v in verdicts.items():  # the dashboard counts each model's last verdict
            record_event("mystery", f"{code}:{count}:{number}:{submission}",
                         {"challenge": code, "count": count, "model": number, "backdoored": v.backdoored,
                          "target": v.target})
        them = "it" if len(verdicts) == 1 else "them"
        st.success(f"{count_of(len(verdicts), 'verdict')} sent to your instructor. You can change {them} until the "
                   "answers are revealed.", icon=":material/send:")
