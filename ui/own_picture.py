"""Try the trigger on your own picture: a guarded upload, a preview, both models' answers."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st
import torch

from backdoor.attacks import ATTACKS
from backdoor.datasets import Dataset
from backdoor.kinds import labels
from backdoor.image_upload import MAX_BYTES, MAX_PIXELS, UploadRejected, read_image
from backdoor.metrics import predict_proba
from backdoor.scenario import Scenario
from backdoor.train import TrainResult
from ui.charts import to_display
from ui.readings import model_name
from ui.training import KINDS
from ui.words import article, plain, whole_percent


def own_picture(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult], device: torch.device) -> None:
    greyscale = dataset.image_shape[0] == 1
    st.caption(
        f"PNG or JPEG, up to {MAX_BYTES // 2**20} MB and {MAX_PIXELS / 1e6:.0f} megapixels. It is shrunk to the "
        f"{dataset.image_shape[1]}x{dataset.image_shape[2]} pixels the models were trained on, and stays on this "
        "server only while you use the page."
        + (" A dark drawing on light paper is turned light-on-dark, like the training digits." if greyscale else "")
    )
    upload = st.file_uploader("Your picture", type=["png", "jpg", "jpeg"], key="trigger.upload",
                              max_upload_size=MAX_BYTES // 2**20)  # the uploader's own limit says the same as the text
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
        st.error(f"**{plain(upload.name)}** was not used. {error}", icon=":material/block:")
        return
    image = picture.image
    drawn = st.selectbox("What does your picture show?", range(dataset.num_classes), index=None,
                         format_func=lambda k: dataset.classes[k], placeholder="say what you drew",
                         key="trigger.upload.truth", help="So the lab can tell a hijacked answer from a misreading.")
    width, height = picture.original_size
    digest = hashlib.sha256(data).hexdigest()[:12]
    about = (f"{picture.format}, {width}x{height} pixels uploaded (SHA-256 {digest}...)"
             + (", colours inverted" if picture.inverted else "") + ". ")
    both_answers(image, dataset, scenario, models, device, drawn, about, "your picture")


def both_answers(image: torch.Tensor, dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult],
                 device: torch.device, truth: int | None, about: str, what: str) -> None:
    """``image`` as the model sees it and with the trigger, both models' answers on each, and what they
    show (``truth``: what the student says it is; ``about``: a sentence on where it came from)."""
    cols = st.columns([1, 1, 3])
    cols[0].image(to_display(image[0]), caption="as the model sees it", width="stretch",
                  alt=f"{what}, as the model sees it")
    stamped = scenario.stamp(image)
    cols[1].image(to_display(stamped[0]), caption="with the trigger", width="stretch",
                  alt=f"{what} with the {ATTACKS[scenario.attack].title} trigger")
    answers = {}  # (model kind, triggered?) -> (class, probability)
    for kind in KINDS:
        for triggered, x in ((False, image), (True, stamped)):
            probs = predict_proba(models[kind].model, x, device)[0]
            k = int(probs.argmax())
            answers[kind, triggered] = (k, float(probs[k]))
    names = labels(scenario.poison.rate)  # nothing poisoned: no "backdoored" model
    rows = [{"model": names[kind], "picture": "with the trigger" if triggered else "without the trigger",
             "answer": dataset.classes[k], "confidence": whole_percent(p)}
            for (kind, triggered), (k, p) in answers.items()]
    cols[2].table(pd.DataFrame(rows).set_index("model"))  # a real table: a screen reader reads it, a phone shows it whole
    cols[2].caption(about + _reading({key: k for key, (k, _) in answers.items()}, scenario, dataset, truth))


def _reading(answers: dict[tuple[str, bool], int], scenario: Scenario, dataset: Dataset, truth: int | None) -> str:
    """One sentence on what the answers show: was the picture sent where the attack wants it?

    ``truth`` is what the student says the picture shows (None: not said); without it the
    clean baseline's answer on the clean picture stands in, and the sentence says so."""
    names, ours = dataset.classes, model_name(scenario.poison.rate)  # "backdoored" only when something was poisoned
    base_clean, before, after = answers["baseline", False], answers["backdoored", False], answers["backdoored", True]
    assumed = truth is None
    shows = base_clean if assumed else truth
    if not assumed and base_clean != truth and before != truth:
        return (f"You drew {article(names[truth])}, but both models misread the clean picture (the clean model says "
                f"'{names[base_clean]}', the {ours} '{names[before]}'), so it is too far from the training "
                "images for the trigger test to mean much: try a clearer one.")
    goal = int(scenario.goal(torch.tensor([shows]), dataset.num_classes)[0])
    wants = "the next class, as this all-to-all attack wants" if scenario.all_to_all else "the attacker's target"
    basis = (f" (taking the clean model's answer, '{names[shows]}', as what it shows: say what you drew above to be "
             "sure)") if assumed else ""
    if shows == goal:
        return (f"Your picture already shows {wants}{basis}, so the trigger has nothing to change: try a picture of "
                "another class.")
    if after == goal:
        return (f"The trigger turned the {ours}'s answer from '{names[before]}' to '{names[after]}', {wants}, "
                f"while the clean baseline says '{names[answers['baseline', True]]}': your own picture was "
                f"hijacked{basis}.")
    return (f"The {ours} says '{names[before]}' without the trigger and '{names[after]}' with it, not "
            f"{wants}{basis}: the trigger did not take over this picture. Pictures far from the training images "
            "(photos, thick pens, odd framing) can resist it.")
