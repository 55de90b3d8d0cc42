"""Alt text for a picture a third-party component draws in its own frame without one.

``streamlit-image-coordinates`` (the Poison page's tap-to-place picture) draws an ``<img>`` with no
alt and takes none to pass on. Its frame is served by the lab's own server, so a tiny script in a
zero-height frame beside it (same origin) sets the alt on that picture, and again whenever the
component redraws it. The words are the lab's: what the picture shows, in a sentence.
"""

from __future__ import annotations

import json

import streamlit.components.v1 as components

SCRIPT = """<!DOCTYPE html><html lang="en"><head><title>Alt text for the picture beside</title></head><body><script>
const frames = %(frames)s, picture = %(picture)s, alt = %(alt)s;
function give() {
  for (const frame of window.parent.document.querySelectorAll(`iframe[title^="${frames}"]`)) {
    try {
      const img = frame.contentDocument && frame.contentDocument.querySelector(picture);
      if (img && img.getAttribute("alt") !== alt) img.setAttribute("alt", alt);
    } catch (error) {}  /* a frame from elsewhere: nothing to do */
  }
}
give();
setInterval(give, 300);
</script></body></html>"""


def script(frames: str, picture: str, alt: str) -> str:
    """The page script that gives ``alt`` to ``picture`` (a CSS selector) in every frame titled ``frames...``."""
    return SCRIPT % {"frames": _js(frames), "picture": _js(picture), "alt": _js(alt)}


def _js(text: str) -> str:
    """``text`` as a JavaScript string that cannot end the script block it sits in."""
    return json.dumps(text).replace("</", "<\\/")


def give_alt(frames: str, picture: str, alt: str) -> None:
    components.html(script(frames, picture, alt), height=0)
