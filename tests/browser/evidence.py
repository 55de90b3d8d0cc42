"""What a failed browser test leaves behind: each tab's screenshot and words, and the server's log.

CI shows only pytest's output, so a timeout there ("waiting for ... to be visible") says nothing
of what the page showed instead. ``kept_on_failure`` adds it: every tab's visible text and the
tail of the server log go into the failure, and each tab's full-page screenshot into
``shots``.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

TEXT_CHARS = 3_000  # of each tab's visible text: the end of the page, where a job's error or progress shows
LOG_CHARS = 6_000


def describe(tabs: dict[str, object], shots: Path, log: Path | None) -> str:
    """Each tab's URL and last visible words (its screenshot saved in ``shots``), then the log's tail."""
    shots.mkdir(exist_ok=True)
    parts = []
    for name, tab in tabs.items():
        try:
            picture = shots / f"failed-{name}.png"
            tab.screenshot(path=str(picture), full_page=True, timeout=30_000)
            text = tab.inner_text("body", timeout=30_000)
            parts.append(f"--- tab {name} at {tab.url} ({picture}):\n{text[-TEXT_CHARS:]}")
        except Exception as error:  # noqa: BLE001 - a closed or hung tab: say so, and describe the others
            parts.append(f"--- tab {name}: could not be read ({error})")
    if log is not None and log.exists():
        parts.append(f"--- server log, last {LOG_CHARS} characters:\n{log.read_text(errors='replace')[-LOG_CHARS:]}")
    return "\n".join(parts)


@contextmanager
def kept_on_failure(tabs: dict[str, object], shots: Path, log: Path | None = None) -> Iterator[None]:
    """Within the block, a failure carries what every tab in ``tabs`` (filled as they open) showed."""
    try:
        yield
    except Exception as error:
        raise AssertionError(f"{type(error).__name__}: {error}\n\nWhat the browser showed:\n"
                             f"{describe(tabs, shots, log)}") from error
