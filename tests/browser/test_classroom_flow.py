"""A whole class in Chromium: the instructor creates it, three students join by its link (one on a
phone), train, answer a quiz, play red and blue, and the live dashboard shows all three."""

from __future__ import annotations


import pytest

from benchmarks.load import serve
from conftest import ROOT
from evidence import kept_on_failure
from launch import launch, require_chromium, sync_playwright
import settle
from settle import watch
from widths import BUTTONS, squeezed

pytestmark = pytest.mark.browser
SHOTS = ROOT / "screenshots"
LONG = 240_000  # training and the decoys on 2 shared cores


def shot(tab, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"class-{name}.png"), full_page=True)


def settled(tab) -> None:
    settle.settled(tab, timeout=LONG)


def test_an_instructor_runs_a_class_of_three(tmp_path):
    require_chromium()
    store = tmp_path / "store"
    store.mkdir()
    log = tmp_path / "server.log"
    tabs = {}  # every tab, by name: a failure shows what each one was showing (evidence.py)
    with serve(store, log) as server, sync_playwright() as p, kept_on_failure(tabs, SHOTS, log):
        browser = launch(p)
        teacher = tabs["teacher"] = watch(browser.new_context(viewport={"width": 1400, "height": 2400}).new_page())
        teacher.set_default_timeout(LONG)
        teacher.goto(server.url + "/classroom")
        teacher.get_by_label("Class name").fill("Tuesday workshop")
        teacher.get_by_role("textbox", name="Instructor PIN (4-12 digits)").fill("2468")
        teacher.get_by_role("button", name="Create the class").click()
        teacher.get_by_text("Nobody has joined yet").wait_for()
        link = teacher.locator("code").filter(has_text="/join?class=").first.inner_text().strip()
        assert link.startswith(server.url + "/join?class=") and "&preset=classic-patch&seed=0" in link
        shot(teacher, "1-created")
        for width in (1280, 820):  # a laptop with the menu open, a tablet upright: the class's four controls
            teacher.set_viewport_size({"width": width, "height": 2400})
            teacher.get_by_role("button", name="Reveal the answers").wait_for()
            teacher.wait_for_timeout(300)  # the new width laid out
            buttons = teacher.evaluate(BUTTONS)
            assert {"Projector", "Export CSV", "Reveal the answers", "End the class"} <= {b[0] for b in buttons}, buttons
            assert not squeezed(buttons), f"at {width} px: squeezed (text, width needed, given): {squeezed(buttons)}"
        teacher.set_viewport_size({"width": 1400, "height": 2400})

        students = {}
        for name, viewport in (("Ada", {"width": 1280, "height": 2400}), ("Ben", {"width": 1280, "height": 2400}),
                               ("Cy", {"width": 390, "height": 3000})):
            tab = watch(browser.new_context(viewport=viewport).new_page())
            tab.set_default_timeout(LONG)
            tab.goto(link)
            tab.get_by_role("textbox", name="Nickname").fill(name)
            tab.get_by_role("button", name="Join").click()
            tab.get_by_text("You are in class").wait_for()
            students[name] = tabs[name] = tab
        shot(students["Cy"], "2-joined-phone")

        for name, tab in students.items():  # everyone trains the class's setup: computed once, shared
            tab.get_by_role("link", name="Begin: 1. Poison the data").click()
            tab.get_by_text("What the attacker did").wait_for()
            tab.get_by_role("link", name="Next: train a model on this data").click()
            # the Train page itself: the Poison page also reads "What you just saw", and on a slow machine it
            # is still on screen when the click's run has not started yet (likely why CI once timed out here)
            tab.get_by_role("heading", name="2. Train the models").wait_for()
            settled(tab)
            # the page offers to train, or (someone in the class trained already) shows the models: wait for
            # one of the two, as a page that is still drawing shows neither yet
            train, took = tab.get_by_role("button", name="Train both models"), tab.get_by_text("Training took")
            train.or_(took).first.wait_for()
            if train.count():
                train.click()
            took.wait_for()
            settle.answer_quiz(tab, "To have a reference for what normal behaviour looks like")
        shot(students["Cy"], "3-trained-phone")

        ada = students["Ada"]
        assert "class=" in ada.url and "student=" in ada.url  # a reload keeps her in the class
        ada.reload()
        ada.get_by_text("What you just saw").wait_for()
        ada.get_by_role("link", name="Red vs blue").click()
        ada.get_by_role("button", name="Submit it to the pool").click()
        ada.get_by_text("joins the pool under an anonymous name").wait_for()
        shot(ada, "4-red")

        ben = students["Ben"]
        ben.get_by_role("link", name="Red vs blue").click()
        ben.get_by_role("tab", name="Blue: judge the pool").click()
        ben.get_by_role("button", name="Prepare the decoys").click()
        ben.get_by_text("models in the pool").wait_for()
        settled(ben)
        ben.get_by_role("tab", name="Blue: judge the pool").click()
        ben.get_by_text("backdoored", exact=True).first.click()
        settled(ben)
        ben.get_by_role("button", name="Submit my verdict").click()
        ben.get_by_text("You can change it until the answers are revealed").wait_for()
        assert "Ada" not in ben.inner_text("body")  # the pool is anonymous
        shot(ben, "5-blue")

        for name in students:  # the live dashboard picks everyone up without a reload
            teacher.get_by_role("cell", name=name, exact=True).first.wait_for()
        teacher.get_by_text("Red vs blue (1 submission, 3 models in the pool, 1 blue verdict)").wait_for()
        assert teacher.get_by_text("Who is using the lab?").is_visible()
        teacher.get_by_role("cell", name="step 2: Train the models").first.wait_for()
        body = teacher.inner_text("body")
        assert "3 joined" in body and "Traceback" not in body
        assert "To have a reference for what normal behaviour looks like: 3" in body  # the quiz, answered by all
        shot(teacher, "6-dashboard")
        browser.close()
