"""The one-page printable handout for a class: its link and QR code, the steps, space for answers.

Plain HTML with print CSS (A4, one page), so any browser prints it; no streamlit here.
"""

from __future__ import annotations

import html

import segno

from backdoor.classroom.classes import ClassInfo
from backdoor.presets import PRESETS

STEPS = (
    ("1. Poison the data", "Which images did the attacker change? Could you spot them?"),
    ("2. Train the models", "Clean accuracy of each model, and the attack success rate:"),
    ("3. Fire the trigger", "What did the backdoored model answer with the trigger on?"),
    ("4. Explain", "Where did the backdoored model look?"),
    ("5. Defend", "Which defense stopped the attack, and what did it cost?"),
    ("Mystery models", "Your verdicts (clean / backdoored, towards which class):"),
)

_CSS = """
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; color: #111; margin: 0; font-size: 10.5pt; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
.top { display: flex; gap: 8mm; align-items: center; border-bottom: 1px solid #999; padding-bottom: 4mm; }
.top svg { width: 42mm; height: 42mm; flex: none; }
.code { font-size: 24pt; font-weight: 700; letter-spacing: 2mm; }
.link { font-family: monospace; font-size: 9pt; word-break: break-all; }
.step { border: 1px solid #bbb; border-radius: 2mm; padding: 2mm 3mm; margin-top: 3mm; height: 30mm;
        page-break-inside: avoid; }
.step b { display: block; }
.step i { color: #444; }
footer { margin-top: 3mm; font-size: 8.5pt; color: #444; }
"""


def handout_html(info: ClassInfo, link: str) -> str:
    """The handout as a complete HTML page."""
    qr = segno.make(link, error="m").svg_inline(scale=4, border=1)
    steps = "".join(f"<div class='step'><b>{html.escape(title)}</b><i>{html.escape(prompt)}</i></div>"
                    for title, prompt in STEPS)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Backdoor Lab: class {html.escape(info.code)}</title><style>{_CSS}</style></head><body>"
        f"<div class='top'>{qr}<div><h1>Backdoor Lab: {html.escape(info.name)}</h1>"
        f"<div>Class code</div><div class='code'>{html.escape(info.code)}</div>"
        f"<div class='link'>{html.escape(link)}</div>"
        f"<div>Open the link or scan the code, pick a nickname (not your full name). Everyone starts from "
        f"<b>{html.escape(PRESETS[info.preset].title)}</b>, seed {info.seed}.</div></div></div>"
        f"{steps}<footer>Nickname: ______________________ &nbsp; Your instructor sees only your nickname and "
        "your steps in the lab.</footer></body></html>"
    )
