"""The board brief: at most two A4 pages a stakeholder takes to a board meeting.

It holds the risk in the sector's terms, the controls table (from the measured matrix, with cost,
owner and what each misses), what to do, the questions for vendors and the contract clauses, the
incident playbook, and the numbers the stakeholder saw in plain words. One self-contained HTML
file, laid out for A4 print (``@page``), with no scripts and no images: it opens and prints offline.
Every number in it is passed in, measured by the lab.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timezone

from backdoor.controls import Control
from backdoor.sectors import Sector


@dataclass(frozen=True)
class Step:
    step: str
    who: str
    what: str


@dataclass(frozen=True)
class Brief:
    sector: Sector
    scenario: str  # the scenario's name, as on every page
    summary: str  # what a backdoor is, in one paragraph
    seen: tuple[str, ...]  # the numbers the stakeholder saw, each a plain sentence
    playbook: tuple[Step, ...]
    controls: tuple[Control, ...] = ()  # empty when the matrix was not measured
    advice: tuple[str, ...] = ()
    when: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%d %B %Y"))


STYLE = """
@page { size: A4; margin: 10mm 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 8.3pt; line-height: 1.26; color: #111; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 2pt; } h2 { font-size: 10.2pt; margin: 7pt 0 2pt; color: #123f6b; }
p, ul, ol { margin: 1pt 0 3pt; } ul, ol { padding-left: 14pt; } li { margin: 0 0 1pt; }
table { border-collapse: collapse; width: 100%; margin: 2pt 0; font-size: 7.5pt; }
th, td { border: 0.5pt solid #999; padding: 1.5pt 3pt; vertical-align: top; text-align: left; }
th { background: #e8eef5; } .meta { color: #444; } a { color: #123f6b; }
.two { column-count: 2; column-gap: 12pt; } .two li { break-inside: avoid; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _list(items, tag: str = "ul") -> str:
    return f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"


def _controls(brief: Brief) -> str:
    if not brief.controls:
        return ("<p>Not measured yet for this scenario: run the attack x defense matrix in the lab, then print "
                "this brief again. No control is recommended without that evidence.</p>")
    rows = "".join(
        f"<tr><td><b>{_e(c.title)}</b></td><td>{_e(c.verdict)}</td><td>{_e(c.cost)}</td>"
        f"<td>{_e(c.owner)}<br><i>{_e(c.nist)}</i></td><td>{_e(c.residual)}</td></tr>" for c in brief.controls)
    return ("<table><tr><th>Control</th><th>Catches and misses</th><th>Cost</th><th>Owner (NIST AI RMF)</th>"
            f"<th>Risk left</th></tr>{rows}</table>"
            "<p class=meta>Caught: taken from at least 50% attack success to 10% or less, measured on inputs the "
            "control never saw.</p>")


def render_brief(brief: Brief) -> str:
    """The brief as one HTML document, sized for two A4 pages."""
    s = brief.sector
    rules = _list(f'<a href="{_e(r.link)}">{_e(r.name)}</a> ({_e(r.issuer)})' for r in s.rules)
    kpis = _list(f"<b>{_e(k.name)}</b>: alarm when {_e(k.alarm[0].lower() + k.alarm[1:])}" for k in s.kpis)
    playbook = "".join(f"<tr><td><b>{_e(p.step)}</b></td><td>{_e(p.who)}</td><td>{_e(p.what)}</td></tr>"
                       for p in brief.playbook)
    advice = _list((_e(a) for a in brief.advice), "ol") if brief.advice else ""
    seen = _list(_e(line) for line in brief.seen) if brief.seen else "<p>Nothing measured in this session yet.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Board brief: backdoors in AI models ({_e(s.name)})</title>
<style>{STYLE}</style></head><body>
<h1>Board brief: backdoors in our AI models</h1>
<p class=meta>{_e(s.name)} · scenario shown: {_e(brief.scenario)} · {_e(brief.when)} · every figure measured by
Backdoor Lab</p>
<h2>The risk</h2><p>{_e(brief.summary)}</p>
<p><b>Here:</b> {_e(s.model)} <b>How likely.</b> {_e(s.likelihood)} <b>What it costs.</b> {_e(s.impact)}</p>
<h2>What we saw, in numbers</h2>{seen}
<h2>The controls, judged on the evidence</h2>{_controls(brief)}
<h2>What to do</h2><p><b>From the evidence.</b></p>{advice}<p><b>First steps in this sector.</b></p>{_list((_e(step) for step in s.first), "ol")}
<h2>The rules that apply</h2>{rules}
<p class=meta>None of these rules names backdoors; a backdoor engages their general requirements on validation,
data governance, third parties, security and monitoring.</p>
<h2>Questions for vendors</h2><div class=two>{_list(_e(q) for q in s.vendor_questions)}</div>
<h2>Contract clauses</h2><div class=two>{_list(_e(c) for c in s.clauses)}</div>
<h2>Watch in production</h2><div class=two>{kpis}</div>
<h2>On the day it happens: the playbook</h2>
<table><tr><th>Step</th><th>Who</th><th>What</th></tr>{playbook}</table>
</body></html>
"""
