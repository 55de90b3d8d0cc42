"""The instant panel's cards: one block of HTML, every text escaped, every picture with its alt text."""

import base64
import re

import numpy as np

from ui.figure_cards import Card, Picture, cards_html, png


def test_cards_carry_label_value_and_sentence_escaped():
    body = cards_html([Card("bd_asr", "Attack success rate", "100.0%", "read as '0' <b>"),
                       Card("poisoned", "Poisoned in training", "0", "Nothing poisoned.")], label="What <x> does")
    assert re.findall(r'data-figure="([^"]+)"', body) == ["bd_asr", "poisoned"]
    assert '<div class="lab-card-value">100.0%</div>' in body and '<div class="lab-card-value">0</div>' in body
    assert "&lt;b&gt;" in body and "<b>" not in body  # a sentence cannot inject markup
    assert 'aria-label="What &lt;x&gt; does"' in body
    assert "lab-pictures" not in body  # no pictures, no empty row


def test_pictures_are_inline_pngs_with_alt_and_caption():
    picture = np.zeros((8, 8), dtype=np.uint8)
    picture[2:4, 2:4] = 255
    body = cards_html([], [Picture(png(picture), "'7' with the trigger: read as '0'", 'test picture of "7"')])
    (data,) = re.findall(r'src="data:image/png;base64,([^"]+)"', body)
    assert base64.b64decode(data) == png(picture) and png(picture).startswith(b"\x89PNG")
    assert 'alt="test picture of &quot;7&quot;"' in body
    assert "<figcaption>&#x27;7&#x27; with the trigger: read as &#x27;0&#x27;</figcaption>" in body
