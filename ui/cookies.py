"""This browser's class cookie, as the session's first request carried it: which student of which class
this browser keeps (written by ``ui.class_cookie.keep_in_browser`` once the server knows the student)."""

from __future__ import annotations

from urllib.parse import unquote

import streamlit as st

from backdoor.classroom.classes import normal_code

COOKIE = "lab_class"  # "code:secret" of the class this browser last joined, URL-encoded


def browser_cookie() -> str | None:
    """This browser's class cookie, as it came with the session's first request (None without a
    browser: under AppTest the client is a stand-in whose cookies are not strings)."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) else None


def cookie_membership(value: str | None) -> tuple[str | None, str | None]:
    """The class code and secret in a class cookie's value, or (None, None) if it holds none."""
    code, _, token = unquote(value or "").partition(":")
    code, token = code.strip(), token.strip()
    return (code, token) if code and token else (None, None)


def kept_by_this_browser(code: str, token: str) -> bool:
    """Whether this browser's class cookie names this very student (it joined here, or said it is them)."""
    kept_code, kept_token = cookie_membership(browser_cookie())
    return kept_token == token and normal_code(kept_code or "") == normal_code(code)
