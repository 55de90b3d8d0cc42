"""Labels squeezed narrower than their text: Streamlit cuts a button's label with an ellipsis
("Reveal the a...", "Show other ima...") or breaks it mid-word ("Glossar y")."""

from __future__ import annotations

# Each button's or page link's label in the main area: its text, the width it needs on one line, and the
# width it is given (a label squeezed narrower is cut, "Show other ima...", or broken, "Glossar y").
BUTTONS = """() => [...document.querySelectorAll('[data-testid="stMain"] :is(button, [data-testid="stPageLink-NavLink"]) [data-testid="stMarkdownContainer"] p')]
  .map(p => { const line = p.cloneNode(true); line.style.cssText = "position:absolute;visibility:hidden;white-space:nowrap;width:auto";
              p.parentNode.appendChild(line); const need = line.getBoundingClientRect().width; line.remove();
              return [p.innerText.trim(), need, p.closest('[data-testid="stMarkdownContainer"]').getBoundingClientRect().width]; })"""


def squeezed(buttons: list) -> list[tuple[str, float, float]]:
    """The labels among ``tab.evaluate(BUTTONS)`` (or any list of text, width needed, width given) given less
    width than their text needs."""
    return [(text, round(need, 1), round(given, 1)) for text, need, given in buttons if need > given + 0.5]


# Each word of the main area's text that is drawn over two lines (a column too narrow for it: "backdoore d",
# "organisatio n"). Hyphenated words and long addresses may break at their hyphens or slashes: only a break
# between two letters counts.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('[data-testid="stMain"]'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('code, pre, svg, [data-testid="stSidebar"]')) continue;
    for (const m of node.textContent.matchAll(/[A-Za-z]{4,}/g)) {
      const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
      const tops = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""
