"""Try the trigger on your own picture: a guarded upload, a preview, both models' answers."""

from __future__ import annotations

import hashlib

import streamlit as st
import torch

from backdoor.data import Dataset
from backdoor.image_upload import MAX_BYTES, MAX_PIXELS, UploadRejected, read_image
from backdoor.metrics import predict_proba
from backdoor.scenario import Scenario
from backdoor.train import TrainResult
from ui.charts import to_display
from ui.training import KINDS


def own_picture(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult], device: torch.device) -> None:
    greyscale = dataset.image_shape[0] == 1
    st.caption(
        f"PNG or JPEG, up to {MAX_BYTES // 2**20} MB and {MAX_PIXELS / 1e6:.0f} megapixels. It is shrunk to the "
        f"{dataset.image_shape[1]}x{dataset.image_shape[2]} pixels the models were trained on, and stays on this "
        "server only while you use the page."
        + (" A dark drawing on light paper is turned light-on-dark, like the training digits." if greyscale else "")
    )
    upload = st.file_uploader("Your picture", type=["png", "jpg", "jpeg"], key="trigger.upload")
    if upload is None:
        return
    invert_choice = st.radio("Colours", ("as the lab decides", "keep as is", "invert"), horizontal=True,
                             key="trigger.upload.invert",
                             help="The models know light strokes on a dark background." if greyscale else None)
    invert = {"as the lab decides": None, "keep as is": False, "invert": True}[invert_choice]
    data = upload.getvalue()
    try:
        picture = read_image(data, dataset.image_shape, invert=invert)
    except UploadRejected as error:
        st.error(f"**{upload.name}** was not used. {error}", icon=":material/block:")
        return
    image = picture.image
    cols = st.columns([1, 1, 3])
    cols[0].image(to_display(image[0]), caption="as the model sees it", width="stretch")
    stamped = scenario.stamp(image)
    cols[1].image(to_display(stamped[0]), caption="with the trigger", width="stretch")
    rows = []
    for kind, label in KINDS.items():
        for name, x in (("without the trigger", image), ("with the trigger", stamped)):
            probs = predict_proba(models[kind].model, x, device)[0]
            k = int(probs.argmax())
            rows.append({"model": label, "picture": name, "answer": dataset.classes[k], "confidence": f"{probs[k]:.0%}"})
    cols[2].dataframe(rows, hide_index=True)
    width, height = picture.original_size
    digest = hashlib.sha256(data).hexdigest()[:12]
    cols[2].caption(
        f"{picture.format}, {width}x{height} pixels uploaded (SHA-256 {digest}...)"
        + (", colours inverted" if picture.inverted else "") + ". "
        + _reading(rows, scenario, dataset)
    )


def _reading(rows: list[dict], scenario: Scenario, dataset: Dataset) -> str:
    """One sentence on what the table shows."""
    backdoored = {r["picture"]: r["answer"] for r in rows if r["model"] == KINDS["backdoored"]}
    baseline = {r["picture"]: r["answer"] for r in rows if r["model"] == KINDS["baseline"]}
    before, after = backdoored["without the trigger"], backdoored["with the trigger"]
    if scenario.all_to_all:  # the attack wants the class after whatever the picture shows
        goal = "the next class, as this all-to-all attack wants"
        hijacked = after == dataset.classes[(dataset.classes.index(before) + 1) % dataset.num_classes]
    else:
        goal = "the attacker's target"
        hijacked = after == dataset.classes[scenario.target] and before != after
    if hijacked:
        return (f"The trigger turned the backdoored model's answer from '{before}' to '{after}', {goal}, while the "
                f"clean baseline says '{baseline['with the trigger']}': your own picture was hijacked.")
    return (f"The backdoored model says '{before}' without the trigger and '{after}' with it. On pictures far from "
            "the training images (photos, thick pens, odd framing) both models can be unsure; try a clearer one.")
