"""The red-vs-blue round as pages see it: the class's pool, its decoys, and a pool model's weights."""

from __future__ import annotations

import streamlit as st

from backdoor import estimates
from backdoor.classroom import ClassInfo, ClassroomUnavailable, class_events
from backdoor.classroom.redblue import PoolEntry, decoy_scenarios, pool, prepare_decoys
from backdoor.defenses.trigger_search import stamp_reversed
from backdoor.metrics import predict_proba
from backdoor.store import is_stored, load_weights, model_hash
from ui.alt_text import heat_alt
from ui.classroom import class_database, class_scenario
from ui.explain import map_for, picture
from ui.jobs import offer_job, shared_memo
from ui.resources import current_device, dataset_named
from ui.words import in_store, whole_percent

POOL_PICK = "pool.pick"  # the pool model blue opened: (class code, store id, architecture, label)
EXPLAINED = 4  # test images a pool model is explained on


def class_decoys(info: ClassInfo) -> list[tuple[str, str]] | None:
    """The class's decoys, once trained (by anyone, on any replica: they live in the model store)."""
    base, _ = class_scenario(info)
    scenarios = decoy_scenarios(base, info.code)
    if all(is_stored(s, "baseline") for s in scenarios):
        return [(model_hash(s, "baseline"), s.model) for s in scenarios]
    return None


def offer_decoys(info: ClassInfo) -> None:
    """The button that trains the class's clean decoys (once for the whole class)."""
    base, _ = class_scenario(info)
    dataset = dataset_named(base.dataset, base.data_seed)
    device = current_device()
    scenarios = decoy_scenarios(base, info.code)
    missing = [s for s in scenarios if not is_stored(s, "baseline")]  # the rest load from the model store
    estimate = estimates.trainings(estimates.DataShape.of(dataset), missing, device, measure_asr=False)
    stored = len(scenarios) - len(missing)
    already = f" ({in_store(stored)})" if stored else ""
    st.caption(f"The pool needs its clean decoys first: {len(scenarios)} clean models{already}, trained once for the "
               "whole class.")
    offer_job("Prepare the decoys", "btn.redblue.decoys", "training the decoys", estimate,
              lambda bar: prepare_decoys(dataset, base, info.code, device, bar),
              memo=shared_memo("decoys", 8), memo_key=(info.code, str(device)), type="primary")


def class_pool(info: ClassInfo) -> list[PoolEntry] | None:
    """The anonymised pool (None until the decoys exist or when the database is out of reach)."""
    decoys = class_decoys(info)
    db, _ = class_database()
    if decoys is None or db is None:
        return None
    try:
        red = class_events(db, info.id, "red")
    except ClassroomUnavailable:
        return None
    return pool(info.code, red, decoys)


def pool_model(info: ClassInfo, entry: PoolEntry):
    """A pool model's weights, loaded once per server."""
    base, _ = class_scenario(info)
    dataset = dataset_named(base.dataset, base.data_seed)
    device = current_device()
    models = shared_memo("pool models", 16)
    return models.get_or_compute((entry.store_id, str(device)), lambda: load_weights(
        entry.store_id, entry.architecture, dataset.image_shape, dataset.num_classes, device))


def explain_pool_model(info: ClassInfo, pick: tuple, method: str) -> None:
    """Where a pool model looks, on held-out images and with the trigger Neural Cleanse found in it
    (once blue has scanned it): no training data and no knowledge of the attack needed."""
    _, store_id, architecture, label = pick
    base, _ = class_scenario(info)
    dataset = dataset_named(base.dataset, base.data_seed)
    device = current_device()
    model = pool_model(info, PoolEntry(label, store_id, architecture, False, None, None, ()))
    if model is None:
        st.error(f"{label} cannot be opened on this server: its weights are missing from the model store.",
                 icon=":material/error:")
        return
    x, _ = dataset.held_out
    images = {"Test images": x[:EXPLAINED]}
    found = shared_memo("pool scans", 24).get((store_id, str(device)))
    if found is not None:
        k = int(found.mask_norms.argmin())
        images[f"The same images with the trigger Neural Cleanse found for '{dataset.classes[k]}'"] = stamp_reversed(
            x[:EXPLAINED], found.masks[k], found.patterns[k])
    else:
        st.caption("Scan it with Neural Cleanse on the Red vs blue page to also see it with the trigger the scan finds.")
    for title, batch in images.items():
        st.markdown(f"**{title}**")
        for i, col in enumerate(st.columns(EXPLAINED)):
            probs = predict_proba(model, batch[i : i + 1], device)[0]
            k = int(probs.argmax())
            heat = map_for(f"pool:{store_id}", model, f"{title}:{i}", batch[i : i + 1], k, method, architecture)
            col.image(picture(batch[i], heat), width="stretch", alt=heat_alt(f"{title}, picture {i + 1}"))
            col.caption(f"says '{dataset.classes[k]}' ({whole_percent(probs[k])})")
