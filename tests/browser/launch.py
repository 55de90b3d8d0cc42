"""Every browser test's Playwright and Chromium: there, or a failure saying to run `make test`.

Never a skip: a broken install in CI would otherwise pass the whole browser suite unnoticed.
`make test` installs both (Playwright from the project's test extra, Debian's chromium package).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from benchmarks.load import CHROMIUM, FLAGS

MAKE_TEST = "run `make test`, which installs Playwright (the project's test extra) and Debian's chromium"


def require_playwright() -> None:
    """Fail the test, naming `make test`, when Playwright cannot be imported."""
    try:
        importlib.import_module("playwright.sync_api")
    except ImportError as error:
        pytest.fail(f"Playwright is missing ({error}): {MAKE_TEST}", pytrace=False)


def sync_playwright():
    """Playwright's ``sync_playwright()`` context, or a failure naming `make test`."""
    require_playwright()
    from playwright.sync_api import sync_playwright as start

    return start()


def require_chromium(path: str = CHROMIUM) -> None:
    """Fail the test, naming `make test`, when Debian's Chromium is not at ``path``."""
    if not Path(path).exists():
        pytest.fail(f"{path} is missing: {MAKE_TEST}", pytrace=False)


def launch(playwright, path: str = CHROMIUM):
    """Headless Chromium from ``path`` (Playwright's own browser download is not used)."""
    require_chromium(path)
    return playwright.chromium.launch(executable_path=path, args=FLAGS)
