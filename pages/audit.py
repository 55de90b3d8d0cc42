"""Audit a model file: upload weights (never code), then scan and test them with the defenses."""

import hashlib
from dataclasses import replace

import streamlit as st

from backdoor.attacks import ATTACKS
from backdoor.datasets import DATASETS
from backdoor.defenses.registry import DEFENSES
from backdoor.defenses.lab import Lab
from backdoor.model_files import MAX_BYTES, ModelRejected, model_from_weights, read_weights
from models import MODELS, compatible_models
from backdoor.store import load_weights
from ui.audit_words import audit_reading
from ui.words import plain
from ui.defense_runs import run_defenses, say_how_long, show_results
from ui.glossary import glossary_link
from ui.classroom import member_class
from ui.redblue import POOL_PICK
from ui.resources import current_dataset, current_device
from ui.state import bind
from ui.training import poisoned_or_stop, scenario_or_stop
from ui.routing import through_router

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)

st.title("Audit a model file")
st.markdown(
    "Bring a model of your own, for example one you downloaded from step 2 or trained elsewhere for this data set, "
    "and look for a backdoor in it. Only **weights** are accepted: a `.safetensors` file, or a PyTorch `state_dict` "
    "saved with `torch.save(model.state_dict(), ...)`. A model file is untrusted input: a pickled Python object "
    "can run code the moment it is opened, so such files are refused without being run."
)
glossary_link("defense", "trigger")
dataset = current_dataset()
device = current_device()
scenario = scenario_or_stop()

pool_pick, in_class = st.session_state.get(POOL_PICK), member_class()
if pool_pick is not None and in_class is not None and pool_pick[0] == in_class.code:  # a model from the pool
    _, digest, architecture, source_name = pool_pick
    model = load_weights(digest, architecture, dataset.image_shape, dataset.num_classes, device)
    left, right = st.columns([3, 1])
    if right.button("Audit a file instead", key="btn.audit.unpool", icon=":material/upload_file:"):
        st.session_state.pop(POOL_PICK)
        st.rerun()
    if model is None:
        left.error(f"**{source_name}** cannot be opened here: it belongs to another data set (the sidebar's is "
                   f"{DATASETS[dataset.name].short_title}), or the model store on this server does not hold it.",
                   icon=":material/error:")
        st.stop()
    left.success(f"Auditing **{source_name}** from your class's red-vs-blue pool, as a blue student would: weights "
                 "only, and nothing about who made it or how.", icon=":material/shield:")
else:
    fitting = compatible_models(dataset.image_shape)
    if not fitting:
        st.error("No architecture in the lab fits this data set's images.")
        st.stop()
    st.session_state.setdefault("audit.architecture", st.session_state["lab.model"])
    if st.session_state["audit.architecture"] not in fitting:
        st.session_state["audit.architecture"] = fitting[0]
    c1, c2 = st.columns([1, 2])
    c1.selectbox("Architecture", fitting, format_func=lambda m: MODELS[m].title, **bind("audit.architecture"),
                 help="The network the weights belong to. It must match exactly, layer by layer.")
    set_title = DATASETS[dataset.name].short_title if dataset.name in DATASETS else dataset.name
    upload = c2.file_uploader(f"Weights trained on {set_title}, up to {MAX_BYTES // 2**20} MB",
                              type=["safetensors", "pt", "pth"], key="audit.upload",
                              max_upload_size=MAX_BYTES // 2**20)
    if upload is None:
        st.info("Upload a model file to begin. To try it out, download the backdoored model on step 2 "
                "(**Download the backdoored model**) and upload it here.", icon=":material/upload_file:")
        st.stop()

    architecture = st.session_state["audit.architecture"]

    def load_upload() -> tuple[str, object]:
        """(SHA-256, the model or the reason it was refused), read once per file and architecture."""
        data = upload.getvalue()
        try:
            loaded = model_from_weights(read_weights(data), architecture, dataset.image_shape, dataset.num_classes)
            loaded = loaded.to(device)
        except ModelRejected as error:
            loaded = error
        return hashlib.sha256(data).hexdigest(), loaded

    # The uploaded model is this session's alone: kept in its session state, never in a shared cache.
    load_key = (upload.file_id, architecture, dataset.name, str(device))
    if st.session_state.get("audit.loaded", (None,))[0] != load_key:
        st.session_state["audit.loaded"] = (load_key, *load_upload())
    _, digest, model = st.session_state["audit.loaded"]
    if isinstance(model, ModelRejected):
        st.error(f"**{plain(upload.name)}** was refused. {plain(str(model))}", icon=":material/block:")
        st.stop()
    weights = sum(p.numel() for p in model.parameters())
    st.success(f"**{plain(upload.name)}** holds plain weights: {weights:,} of them, loaded into the "
               f"{MODELS[architecture].title}. SHA-256 `{digest[:16]}...`: note it down to know later that you audited exactly this file.",
               icon=":material/verified:")

audit_scenario = replace(scenario, model=architecture)
lab = Lab(dataset, audit_scenario, model, f"upload:{architecture}:{digest}", poisoned_or_stop(dataset, scenario),
          attack_known=False)
before = lab.evaluate(model)
trigger_words = f"{ATTACKS[audit_scenario.attack].title} towards {audit_scenario.target_phrase(dataset.classes)}"
st.markdown(
    f"On {len(lab.held_out[1]):,} clean test images it gets **{before.clean_acc:.1%}** right. With the lab's "
    f"current trigger ({trigger_words}, set on step 1) stamped on, **{before.asr:.1%}** of images go where that "
    "attack wants them. A high figure means this model obeys that exact trigger; a low one does not clear it, "
    "because its backdoor (if any) could use another trigger. Neural Cleanse below needs no trigger at all: it "
    "searches for one."
)

usable = [name for name, spec in DEFENSES.fitting("image").items() if not spec.needs_training_data]
st.session_state.setdefault("audit.chosen", ["neural_cleanse"])
chosen = st.multiselect("Defenses to run on this model", usable, format_func=lambda d: DEFENSES[d].title,
                        **bind("audit.chosen"),
                        help="Activation Clustering and Spectral Signatures are not offered: they inspect the "
                             "training data, which a model file does not bring.")
results = st.session_state.setdefault("audit.results", {})
say_how_long(lab, chosen, {})
if st.button("Run the chosen defenses", type="primary", key="btn.audit.run", disabled=not chosen,
             icon=":material/shield:"):
    run_defenses(lab, chosen, {}, results)
show_results(lab, results)

outcomes = [results[(lab.model_id, name)] for name in DEFENSES if (lab.model_id, name) in results]  # registry order
if outcomes:
    cleanse = results.get((lab.model_id, "neural_cleanse"))
    st.subheader("What you just saw")
    st.markdown(audit_reading(before, [o for o in outcomes if o.note is not None], dataset.classes,
                              None if cleanse is None else cleanse.result.flagged))
