"""Numbers as cards in one HTML block: a label, the number, and the sentence that reads it.

``st.metric`` plus ``st.caption`` in ``st.columns`` is a dozen page elements for four numbers, each
sent and drawn on its own. The instant panel redraws its figures on every move of a slider, so it
draws them as one block instead (with its pictures, each a small PNG inside the block with its alt
text): one element to send and draw per move. The cards wrap two to a line on a phone
(``ui/assets/lab.css``: ``.lab-cards``).
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Card:
    key: str  # names the card in the page (``data-figure``), for tests and benchmarks
    label: str
    value: str
    sentence: str


@dataclass(frozen=True)
class Picture:
    png: bytes
    caption: str
    alt: str


def png(picture: np.ndarray) -> bytes:
    """A uint8 HW or HWC array as PNG bytes."""
    out = io.BytesIO()
    Image.fromarray(picture).save(out, format="PNG")
    return out.getvalue()


def cards_html(cards: list[Card], pictures: list[Picture] = (), label: str = "Figures",
               picture_width: int = 112) -> str:
    """The cards, then the pictures, as one block of HTML (every text escaped)."""
    e = html.escape
    body = "".join(
        f'<div class="lab-card" data-figure="{e(c.key)}"><div class="lab-card-label">{e(c.label)}</div>'
        f'<div class="lab-card-value">{e(c.value)}</div><p class="lab-card-sentence">{e(c.sentence)}</p></div>'
        for c in cards)
    shown = "".join(
        f'<figure class="lab-picture"><img src="data:image/png;base64,{base64.b64encode(p.png).decode()}" '
        f'alt="{e(p.alt)}" width="{picture_width}" height="{picture_width}">'
        f'<figcaption>{e(p.caption)}</figcaption></figure>'
        for p in pictures)
    return (f'<section class="lab-figures" aria-label="{e(label)}"><div class="lab-cards">{body}</div>'
            + (f'<div class="lab-pictures">{shown}</div>' if shown else "") + "</section>")
