"""The drawn trigger's form: draw on a picture (a canvas), then tap the picture to move the drawing,
or set its row and column with sliders (the keyboard's way).

The drawing is kept with the other settings (``poison.drawn.<field>``), so the scenario, every
cache key and the model store see it as they see any attack's settings.
"""

from __future__ import annotations

from dataclasses import asdict, fields

import streamlit as st
import torch
from PIL import Image
from streamlit_drawable_canvas import st_canvas
from streamlit_image_coordinates import streamlit_image_coordinates

from backdoor.attacks import Drawn, apply_trigger
from backdoor.drawing import centred_on, drawn_from_canvas, tapped_pixel
from ui.attack_forms import generic_form
from ui.charts import to_display
from ui.frame_alt import give_alt
from ui.resources import current_dataset
from ui.state import trigger_settings

PREFIX = "poison.drawn."
CANVAS_SIDE = 280  # screen pixels: fits a phone's 390-pixel screen beside nothing, a desktop column beside the rest
TAP_FRAME = "streamlit_image_coordinates"  # the title of the tap picture's frame starts so
INKS = {"white": "#ffffff", "grey": "#808080", "black": "#000000"}


def _store(trigger: Drawn) -> None:
    for name, value in asdict(trigger).items():
        st.session_state[PREFIX + name] = value


def _current() -> Drawn:
    for f in fields(Drawn):
        st.session_state.setdefault(PREFIX + f.name, f.default)
    return Drawn(**trigger_settings("drawn"))


def _start_again() -> None:
    _store(Drawn())
    st.session_state["draw.trigger.round"] = st.session_state.get("draw.trigger.round", 0) + 1  # a fresh canvas
    st.session_state.pop("draw.trigger.seen", None)


def _picture(image: torch.Tensor, scale: int) -> Image.Image:
    return Image.fromarray(to_display(image, scale))


def form(image_shape: tuple[int, int, int]) -> None:
    _, height, width = image_shape
    scale = max(1, CANVAS_SIDE // max(height, width))
    dataset = current_dataset()
    sample = dataset.x_test[0]  # one test picture to draw on, the same every time
    trigger = _current()

    st.markdown("**Draw your trigger** on the picture (a finger works on a phone), then tap the picture "
                "below it to move your drawing there. Every poisoned image gets exactly the pixels you drew.")
    ink_column, pen_column = st.columns(2)
    ink = ink_column.radio("Ink", tuple(INKS), horizontal=True, key="draw.trigger.ink",
                           help="White shows on the dark digits' background; black can cut into a stroke.")
    pen = pen_column.slider("Pen width (pixels of the image)", 1, 4, 2, key="draw.trigger.pen")
    st.caption("Draw here:")  # short: the canvas's buttons (undo, redo, edit, clear) float at its top right
    drawing = st_canvas(
        stroke_width=pen * scale, stroke_color=INKS[ink], background_image=_picture(sample, scale),
        width=width * scale, height=height * scale, return_image_data=True, drawing_mode="freedraw",
        key=f"draw.trigger.canvas.{st.session_state.get('draw.trigger.round', 0)}",
    )
    rgba = drawing.image_data
    drawn = None if rgba is None else drawn_from_canvas(rgba, (height, width))
    if drawn is not None and repr(drawn) != st.session_state.get("draw.trigger.seen"):
        st.session_state["draw.trigger.seen"] = repr(drawn)  # a new stroke; a tap's move then stays
        _store(drawn)
        trigger = drawn

    st.markdown(f"**Tap to place it.** Your {trigger.height}x{trigger.width}-pixel drawing, as every poisoned "
                f"image will carry it, at row {trigger.top}, column {trigger.left}:")
    tap = streamlit_image_coordinates(_picture(apply_trigger(sample[None], trigger)[0], scale), width=width * scale,
                                      key="draw.trigger.tap", cursor="crosshair")
    give_alt(TAP_FRAME, "#image", f"The test picture '{dataset.classes[int(dataset.y_test[0])]}' with your drawing at "
                                  f"row {trigger.top}, column {trigger.left}; tap it to move the drawing there.")
    if tap and tap.get("unix_time") != st.session_state.get("draw.trigger.tapped"):
        st.session_state["draw.trigger.tapped"] = tap.get("unix_time")
        row, col = tapped_pixel(tap["x"], tap["y"], tap["width"], tap["height"], (height, width))
        _store(centred_on(trigger, row, col, (height, width)))
        st.rerun()
    generic_form("drawn", image_shape)  # the row and column sliders, for a keyboard
    st.button("Start again from the cross", on_click=_start_again, key="draw.trigger.reset",
              help="Forget your drawing: the trigger goes back to the small cross and the canvas is cleared.")
