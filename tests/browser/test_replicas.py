"""Two replicas behind Debian's nginx, as ``deploy/`` ships them: sticky sessions, one class
database and one model store for both. A model trained on one replica is loaded by the other;
a replica killed mid-class sends its student to the other, still in class, with nothing lost."""

from __future__ import annotations

from collections import Counter

import pytest

from backdoor.classroom import class_events, create_class
from backdoor.classroom.db import open_database
from benchmarks.replicas import cluster, nginx_binary
from conftest import ROOT
from launch import launch, require_chromium, sync_playwright
import settle
from settle import watch

pytestmark = pytest.mark.browser
SHOTS = ROOT / "screenshots"
LONG = 300_000  # training on 2 cores shared by two servers, nginx, PostgreSQL and the browser


def settled(tab) -> None:
    settle.settled(tab, timeout=LONG)


def test_two_replicas_behind_nginx_share_the_class_and_the_models(tmp_path):
    require_chromium()
    if nginx_binary() is None:
        pytest.fail("nginx is missing: run `make test`, which installs Debian's nginx", pytrace=False)
    store = tmp_path / "store"
    store.mkdir()
    with cluster(store, tmp_path / "cluster") as lab, sync_playwright() as p:
        db = open_database(lab.db_url)
        info = create_class(db, "Replicas", "2468", "classic-patch", 0)
        link = f"{lab.url}/join?class={info.code}&preset=classic-patch&seed=0"
        browser = launch(p)
        answered: dict[str, Counter] = {}

        def student(name: str, replica: int):
            context = browser.new_context(viewport={"width": 1280, "height": 2400})
            host = lab.url.split("//")[1].split(":")[0]
            context.add_cookies([{"name": "lab_replica", "value": lab.cookie_for(replica), "domain": host, "path": "/"}])
            seen = answered.setdefault(name, Counter())
            context.on("response", lambda r: seen.update([lab.replica_of(r.headers["x-lab-replica"])])
                       if "x-lab-replica" in r.headers else None)
            tab = watch(context.new_page())
            tab.set_default_timeout(LONG)
            tab.goto(link)
            tab.get_by_role("textbox", name="Nickname").fill(name)
            tab.get_by_role("button", name="Join").click()
            tab.get_by_text("You are in class").wait_for()
            tab.get_by_role("link", name="Begin: 1. Poison the data").click()
            tab.get_by_text("What the attacker did").wait_for()
            tab.get_by_role("link", name="Next: train a model on this data").click()
            settled(tab)
            return tab

        ada = student("Ada", 0)
        ada.get_by_role("button", name="Train both models").click()  # nobody has these models yet
        took = ada.get_by_text("Training took").first
        took.wait_for()
        assert "loaded from the model store" not in took.inner_text()
        settle.answer_quiz(ada, "To have a reference for what normal behaviour looks like")  # after the redraw
        stored = sorted(store.rglob("*.pt"))

        ben = student("Ben", 1)  # the other replica: it loads Ada's models from the shared store
        took = ben.get_by_text("Training took").first
        took.wait_for()
        assert "loaded from the model store now" in took.inner_text()
        assert ben.get_by_role("button", name="Train both models").count() == 0
        assert sorted(store.rglob("*.pt")) == stored  # nothing trained twice
        assert set(answered["Ada"]) == {0} and set(answered["Ben"]) == {1}  # sticky: each stays on its replica
        SHOTS.mkdir(exist_ok=True)
        ben.screenshot(path=str(SHOTS / "replicas-1-loaded-on-the-other.png"), full_page=True)

        before = [(e.nickname, e.kind, e.key) for e in class_events(db, info.id)]
        with ada.expect_websocket(timeout=60_000):  # her browser reconnects, through nginx, to the other one
            lab.kill(0)  # Ada's replica crashes mid-class
        settled(ada)
        ada.get_by_role("link", name="3. Fire the trigger").first.click()
        ada.get_by_text("Every test image, with and without").wait_for()
        ada.get_by_text(f"Class {info.code}, as Ada").wait_for(timeout=30_000)  # the other replica knows her from her link
        settle.answer_quiz(ada, "The share of triggered images sent where the attacker wants")
        assert answered["Ada"][1] > 0  # she is on the other replica now
        assert "Traceback" not in ada.inner_text("body")
        ada.screenshot(path=str(SHOTS / "replicas-2-after-failover.png"), full_page=True)

        after = [(e.nickname, e.kind, e.key) for e in class_events(db, info.id)]
        assert after[:len(before)] == before  # nothing recorded before the crash is lost
        ada_quizzes = [key for name, kind, key in after if name == "Ada" and kind == "quiz"]
        assert ada_quizzes == ["train.0", "trigger.0"]
        assert ("Ada", "trained") in {(n, k) for n, k, _ in after}
        browser.close()
        db.engine.dispose()
