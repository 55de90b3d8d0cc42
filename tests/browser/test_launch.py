"""A missing Playwright or Chromium fails the browser tests with a pointer to `make test`, never skips them.

Fast: no browser is started; the failures are provoked with a path that does not exist and a
Playwright that cannot be imported.
"""

import sys

import pytest

from launch import launch, require_chromium, sync_playwright


def test_a_missing_chromium_fails_naming_make_test(tmp_path):
    missing = str(tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception, match=r"no-chromium is missing: run `make test`"):
        require_chromium(missing)


def test_launching_a_missing_chromium_fails_before_playwright_is_asked(tmp_path):
    class Unused:  # launch must not reach Playwright: the failure names the cause, not a launch error
        @property
        def chromium(self):
            raise AssertionError("Playwright was asked to launch a browser that is not there")

    with pytest.raises(pytest.fail.Exception, match="make test"):
        launch(Unused(), str(tmp_path / "no-chromium"))


def test_a_missing_playwright_fails_naming_make_test(monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # as if the package were not installed
    with pytest.raises(pytest.fail.Exception) as failure:
        sync_playwright()
    assert "Playwright is missing" in str(failure.value) and "`make test`" in str(failure.value)


def test_the_make_test_target_installs_chromium_and_playwright():
    from conftest import ROOT

    makefile = (ROOT / "Makefile").read_text()
    needs = next(line for line in makefile.splitlines() if line.startswith("test:")).split(":", 1)[1].split()
    assert "install" in needs and "chromium" in needs
    assert "CHROMIUM := /usr/bin/chromium" in makefile
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    assert any(req.startswith("playwright") for req in extra)
