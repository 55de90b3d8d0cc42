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
    answers = {}  # (model kind, triggered?) -> (class, probability)
    for kind in KINDS:
        for triggered, x in ((False, image), (True, stamped)):
            probs = predict_proba(models[kind].model, x, device)[0]
            k = int(probs.argmax())
            answers[kind, triggered] = (k, float(probs[k]))
    rows = [{"model": KINDS[kind], "picture": "with the trigger" if triggered else "without the trigger",
             "answer": dataset.classes[k], "confidence": f"{p:.0%}"} for (kind, triggered), (k, p) in answers.items()]
    cols[2].dataframe(rows, hide_index=True)
    width, height = picture.original_size
    digest = hashlib.sha256(data).hexdigest()[:12]
    cols[2].caption(
        f"{picture.format}, {width}x{height} pixels uploaded (SHA-256 {digest}...)"
        + (", colours inverted" if picture.inverted else "") + ". "
        + _reading({key: k for key, (k, _) in answers.items()}, scenario, dataset)
    )


def _reading(answers: dict[tuple[str, bool], int], scenario: Scenario, dataset: Dataset) -> str:
    """One sentence on what the answers show: was the picture sent where the attack wants it?"""
    before, after = answers["backdoored", False], answers["backdoored", True]
    # the backdoored model's clean answer stands in for the picture's true class
    goal = int(scenario.goal(torch.tensor([before]), dataset.num_classes)[0])
    hijacked = after == goal and before != after
    wants = "the next class, as this all-to-all attack wants" if scenario.all_to_all else "the attacker's target"
    names = dataset.classes
    if hijacked:
        return (f"The trigger turned the backdoored model's answer from '{names[before]}' to '{names[after]}', {wants}, "
                f"while the clean baseline says '{names[answers['baseline', True]]}': your own picture was hijacked.")
    return (f"The backdoored model says '{names[before]}' without the trigger and '{names[after]}' with it. On "
            "pictures far from the training images (photos, thick pens, odd framing) both models can be unsure; "
            "try a clearer one.")
