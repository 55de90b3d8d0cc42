"""Draw your own digit on a canvas and test the trigger on it: both models' answers, with and without it."""

from __future__ import annotations

import streamlit as st
import torch
from streamlit_drawable_canvas import st_canvas

from backdoor.datasets import Dataset
from backdoor.drawing import digit_from_canvas
from backdoor.scenario import Scenario
from backdoor.train import TrainResult
from ui.own_picture import both_answers

CANVAS_SIDE = 240  # screen pixels: a finger's worth of room on a phone, 10 screen pixels per digit pixel and less
PEN = 18  # screen pixels: about as thick, once shrunk, as MNIST's strokes


def own_drawing(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult], device: torch.device) -> None:
    if dataset.image_shape[0] != 1:
        st.caption(f"Drawing works on the digit data sets; for {dataset.name}, upload a picture instead.")
        return
    st.caption("Draw a digit in the black square (a finger works on a phone), as big as the square. It is shrunk "
               f"to {dataset.image_shape[1]}x{dataset.image_shape[2]} pixels and centred, as the training digits were. "
               "The canvas's own buttons undo, redo and clear it.")
    st.caption("Draw here:")  # short: the canvas's buttons float at its top right
    drawing = st_canvas(stroke_width=PEN, stroke_color="#ffffff", background_color="#000000",
                        width=CANVAS_SIDE, height=CANVAS_SIDE, return_image_data=True, drawing_mode="freedraw",
                        key="trigger.draw.canvas")
    image = None if drawing.image_data is None else digit_from_canvas(drawing.image_data, dataset.image_shape)
    if image is None:
        st.caption("Nothing drawn yet.")
        return
    truth = st.selectbox("What did you draw?", range(dataset.num_classes), index=None,
                         format_func=lambda k: dataset.classes[k], placeholder="say what you drew",
                         key="trigger.draw.truth", help="So the lab can tell a hijacked answer from a misreading.")
    what = "your drawing" if truth is None else f"your drawing of '{dataset.classes[truth]}'"
    both_answers(image, dataset, scenario, models, device, truth, "", what)
