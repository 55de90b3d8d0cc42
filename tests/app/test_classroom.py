"""AppTest: a class from both sides. The instructor creates it and watches; students join by
link, their steps reach the dashboard; bad input and a missing database get plain words."""

from __future__ import annotations

import pytest
from apptest import fresh_app, texts, trained

from backdoor.classroom import create_class, database, find_class, join_class


@pytest.fixture
def class_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    monkeypatch.setenv("BACKDOOR_LAB_DB", url)
    return url


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _joining(code: str, nickname: str, **state):
    """A student who opened the class's link and pressed Join as ``nickname``."""
    at = fresh_app(**state)
    at.query_params["class"] = code
    at.run()
    at.switch_page("pages/join.py").run()
    at.text_input[1].input(nickname)
    _button(at, "Join").click().run()
    assert not at.exception, at.exception
    return at


def test_an_instructor_creates_a_class_and_gets_its_link(class_url):
    at = fresh_app(**{"lab.audience": "Instructor"})
    at.run()
    at.switch_page("pages/classroom.py").run()
    assert not at.exception, at.exception
    at.text_input[0].input("Tuesday workshop")
    at.selectbox[0].set_value("stop-sign-sticker")
    at.text_input[1].input("2468")
    _button(at, "Create the class").click().run()
    assert not at.exception, at.exception
    info = at.session_state["class.instructor"]
    assert info.name == "Tuesday workshop" and info.preset == "stop-sign-sticker"
    page = texts(at)
    assert f"/join?class={info.code}&preset=stop-sign-sticker&seed=0" in page
    assert "Nobody has joined yet" in page
    assert "A 90-minute workshop plan" in page and "Quiz answer key" in page


def test_a_wrong_pin_is_refused_without_saying_whether_the_class_exists(class_url):
    info = create_class(database(class_url), "Class", "2468", "classic-patch", 0)
    at = fresh_app(**{"lab.audience": "Instructor"})
    at.run()
    at.switch_page("pages/classroom.py").run()
    messages = []
    for code in (info.code, "QQQQQQ"):
        at.text_input[2].input(code)
        at.text_input[3].input("1111")
        _button(at, "Sign in").click().run()
        messages.append([e.value for e in at.error])
    assert messages[0] == messages[1] == ["That class code and PIN do not match an open class."]
    assert "class.instructor" not in at.session_state
    at.text_input[2].input(info.code)
    at.text_input[3].input("2468")
    _button(at, "Sign in").click().run()
    assert at.session_state["class.instructor"].code == info.code


def test_a_student_joins_by_link_lands_on_the_class_setup_and_the_dashboard_sees_them(class_url):
    db = database(class_url)
    info = create_class(db, "Class", "2468", "stop-sign-sticker", 7)
    student = fresh_app()
    student.query_params.update({"class": info.code, "preset": info.preset, "seed": "7"})
    student.run()
    student.switch_page("pages/join.py").run()
    assert student.text_input[0].value == info.code  # the link filled the code in
    student.text_input[1].input("Ada")
    _button(student, "Join").click().run()
    assert not student.exception, student.exception
    assert student.session_state["class.member"].nickname == "Ada"
    assert student.session_state["lab.dataset"] == "traffic-signs" and student.session_state["lab.seed"] == 7
    assert student.query_params["student"] and student.query_params["class"] == info.code
    assert "You are in class" in texts(student)
    student.switch_page("pages/train.py").run()
    student.run()  # a rerun of the same page records nothing new
    student.switch_page("pages/poison.py").run()  # back to a page seen before: a new step all the same
    assert not student.exception, student.exception
    from backdoor.classroom import class_events

    assert [e.payload["path"] for e in class_events(db, info.id, "step")][-3:] == ["join", "train", "poison"]

    teacher = fresh_app(**{"lab.audience": "Instructor", "class.instructor": info})
    teacher.run()
    teacher.switch_page("pages/classroom.py").run()
    assert not teacher.exception, teacher.exception
    roster = next(t.value for t in teacher.table if "now on" in t.value.columns)
    assert list(roster["nickname"]) == ["Ada"] and roster["now on"].iloc[0] == "step 1: Poison the data"


def test_a_nickname_in_markdown_reaches_the_instructors_screen_as_typed(class_url):
    """st.table and st.success read Markdown: a nickname that is an image, a link or a heading must show as the
    characters typed, on the student's page, the sidebar and the instructor's roster (often on a projector)."""
    from ui.words import plain

    db = database(class_url)
    info = create_class(db, "# Big *class*", "2468", "classic-patch", 0)
    nickname = "![x](http://e.co/a.png)"
    student = _joining(info.code, nickname)
    shown = [s.value for s in student.success if "You are in class" in s.value]
    assert shown == [f"You are in class **{info.code}** as **{plain(nickname)}**. Your instructor sees each step "
                     "you take."]
    assert any(plain(nickname) in c.value for c in student.sidebar.caption)
    teacher = fresh_app(**{"lab.audience": "Instructor", "class.instructor": find_class(db, info.code)})
    teacher.run()
    teacher.switch_page("pages/classroom.py").run()
    assert not teacher.exception, teacher.exception
    roster = next(t.value for t in teacher.table if "now on" in t.value.columns)
    assert list(roster["nickname"]) == [plain(nickname)]
    assert any(h.value == f"Class {info.code}: {plain('# Big *class*')}" for h in teacher.subheader)


def test_a_taken_nickname_or_a_wrong_code_gets_a_plain_message(class_url):
    db = database(class_url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    join_class(db, info.code, "Ada")
    at = _joining(info.code, "ada")
    assert [e.value for e in at.error] == ["Someone in this class is already called 'ada'. Pick another nickname."]
    at.text_input[0].input("WRONG1")
    at.text_input[1].input("Bob")
    _button(at, "Join").click().run()
    assert "No open class has that code" in at.error[0].value
    at.text_input[0].input(info.code)
    at.text_input[1].input("n" * 200)  # pasted by mistake
    _button(at, "Join").click().run()
    assert at.error[0].value == "A nickname can have at most 24 characters; yours has 200."
    assert not at.exception


def test_a_reload_keeps_the_student_in_the_class_and_every_setting(class_url, monkeypatch):
    from urllib.parse import quote

    db = database(class_url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    at = _joining(info.code, "Ada")
    at.switch_page("pages/poison.py").run()
    at.session_state["poison.rate_pct"] = 4.0
    at.run()
    link = dict(at.query_params)
    assert link["poison.rate_pct"] == "4.0"

    kept = quote(f"{info.code}:{at.session_state['class.token']}")
    monkeypatch.setattr("ui.cookies.browser_cookie", lambda: kept)  # her browser keeps her class
    reloaded = fresh_app()  # a new session with the same URL: a reload
    reloaded.query_params.update(link)
    reloaded.run()
    assert reloaded.session_state["poison.rate_pct"] == 4.0
    assert reloaded.session_state["class.member"].nickname == "Ada"
    audience = reloaded.radio(key="w:lab.audience")
    assert audience.options == ["Student", "Stakeholder"]  # instructor mode takes the class PIN


def test_every_page_link_carries_the_class_and_the_settings(class_url):
    """A session lost with its server (a replica gone) is rebuilt from the URL: the link a student
    clicks next must keep their class and settings, not only the rerun after it."""
    from urllib.parse import parse_qs

    info = create_class(database(class_url), "Class", "2468", "classic-patch", 0)
    at = _joining(info.code, "Ada")
    at.switch_page("pages/poison.py").run()
    at.session_state["poison.rate_pct"] = 4.0
    at.run()
    links = at.get("page_link")
    assert len(links) > 10
    for element in links:
        query = parse_qs(element.proto.query_string)
        assert query["class"] == [info.code] and query["student"] == [at.session_state["class.token"]], element.proto
        assert query["poison.rate_pct"] == ["4.0"], element.proto


def test_a_mangled_link_opens_on_the_defaults():
    at = fresh_app()
    at.query_params.update({"poison.rate_pct": "lots", "train.augment": "maybe", "nonsense": "1"})
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["poison.rate_pct"] == 10.0 and at.session_state["train.augment"] is False


def test_without_a_database_the_lab_works_alone(monkeypatch):
    import ui.classroom

    monkeypatch.setenv("BACKDOOR_LAB_DB", "postgresql+psycopg://lab@127.0.0.1:1/lab")
    monkeypatch.setattr(ui.classroom, "_DOWN", {})
    at = fresh_app(**{"lab.audience": "Instructor"})
    at.run()
    at.switch_page("pages/join.py").run()
    assert not at.exception, at.exception
    assert "without class features" in at.warning[0].value
    at.switch_page("pages/classroom.py").run()
    assert not at.exception and "without class features" in at.warning[0].value
    assert at.table  # the preparation tools still work


def test_mystery_verdicts_go_to_the_instructor_and_freeze_at_reveal(class_url):
    from backdoor.classroom import class_events, reveal

    db = database(class_url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    at = _joining(info.code, "Ada")
    at.switch_page("pages/mystery.py").run()
    assert "Your class's challenge" in texts(at)
    assert not any(b.key == "btn.mystery.reveal" for b in at.button)  # reveal is the instructor's
    assert not any(w.key == "mystery.code" for w in at.number_input)
    assert not at.exception, at.exception
    at.button(key="btn.mystery.prepare").click().run()  # the class's 4 models, trained for real
    assert not at.exception, at.exception
    for number in (1, 2):
        at.radio(key=f"mystery.verdict.{at.session_state['mystery.class_code']}.{number}").set_value("clean").run()
    at.button(key="btn.mystery.submit").click().run()
    assert "2 verdicts sent to your instructor" in texts(at)
    assert [(e.nickname, e.payload["model"]) for e in class_events(db, info.id, "mystery")] == [("Ada", 1), ("Ada", 2)]
    reveal(db, info.id)
    at.run()
    assert "verdicts are final" in texts(at)
    assert list(at.table[-1].value["your verdict"]) == ["clean", "clean", "no answer", "no answer"]
    assert any(" points**: " in s.value and ", 2 left unanswered." in s.value for s in at.success)  # the score
    assert all(r.disabled for r in at.radio if r.key and r.key.startswith("mystery.verdict"))
    assert not any(b.key == "btn.mystery.submit" for b in at.button)
    assert find_class(db, info.code).revealed


def test_red_submits_within_the_rules_and_blue_judges_the_anonymous_pool(class_url):
    from backdoor.classroom import class_events

    db = database(class_url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    ann = _joining(info.code, "Ann")
    ann.session_state["train.epochs"] = 1
    ann.session_state["poison.rate_pct"] = 20.0  # over the round's limit
    ann.run()
    trained(ann)
    ann.switch_page("pages/redblue.py").run()
    assert not ann.exception, ann.exception
    assert "poisons 20.0% of the training images; the most allowed is 10%" in ann.error[0].value
    assert not any(b.key == "btn.redblue.submit" for b in ann.button)
    ann.session_state["poison.rate_pct"] = 10.0
    ann.run()
    trained(ann)
    ann.switch_page("pages/redblue.py").run()
    ann.button(key="btn.redblue.submit").click().run()
    assert "joins the pool under an anonymous name" in texts(ann)
    [submission] = class_events(db, info.id, "red")
    assert submission.nickname == "Ann" and submission.payload["poison_rate"] == 0.1

    bob = _joining(info.code, "Bob")
    bob.switch_page("pages/redblue.py").run()
    assert "The pool needs its clean decoys first: 2 clean models, trained once for the whole class." in texts(bob)
    bob.button(key="btn.redblue.decoys").click().run()  # two clean decoys, trained once for the class
    assert not bob.exception, bob.exception
    labels = bob.selectbox(key="redblue.pick").options
    assert len(labels) == 3 and all(label.startswith("Pool model") for label in labels)
    assert "Ann" not in texts(bob)  # anonymous
    store_id = next(e.payload["store_id"] for e in class_events(db, info.id, "red"))
    for i in range(3):
        bob.selectbox(key="redblue.pick").set_value(i).run()
        bob.radio(key=next(r.key for r in bob.radio if r.key.startswith("redblue.verdict"))).set_value("clean").run()
        bob.button(key="btn.redblue.verdict").click().run()
    verdicts = class_events(db, info.id, "blue")
    assert len(verdicts) == 3 and store_id in {v.payload["store_id"] for v in verdicts}
    bob.button(key="btn.redblue.audit").click().run()  # open the last one on the Audit page
    assert not bob.exception, bob.exception
    assert "from your class's red-vs-blue pool" in texts(bob)
    bob.switch_page("pages/explain.py").run()  # the same pool model on the Explain page
    assert not bob.exception, bob.exception
    assert "from your class's red-vs-blue pool: where does it look?" in texts(bob)
    assert len(bob.get("image")) >= 4  # four test images, each with its attribution map

    teacher = fresh_app(**{"lab.audience": "Instructor", "class.instructor": info})
    teacher.run()
    teacher.switch_page("pages/classroom.py").run()
    assert not teacher.exception, teacher.exception
    red = next(t.value for t in teacher.table if "red" in t.value.columns)
    assert list(red["red"]) == ["Ann"] and float(red["points"].iloc[0]) > 0  # Bob called Ann's model clean: she fooled him


def test_a_database_restart_mid_class_loses_no_step(monkeypatch):
    """The class's PostgreSQL goes away while a student works: the page carries on and says so,
    and every step reaches the instructor's dashboard once the database is back."""
    import ui.classroom
    from backdoor.classroom import class_events
    from benchmarks.postgres import postgres

    with postgres() as server:
        monkeypatch.setenv("BACKDOOR_LAB_DB", server.url)
        monkeypatch.setattr(ui.classroom, "_DOWN", {})
        db = database(server.url)
        info = create_class(db, "Class", "2468", "classic-patch", 0)
        student = _joining(info.code, "Ada")
        server.stop()
        try:
            student.switch_page("pages/poison.py").run()
            assert "cannot be reached just now" in " ".join(t.value for t in student.toast)  # said once
            student.switch_page("pages/train.py").run()
            assert not student.exception, student.exception
            waiting = [(p.kind, p.key.rsplit(":", 1)[-1]) for p in student.session_state["class.outbox"]._pending]
            assert waiting[:2] == [("step", "poison"), ("step", "train")], waiting  # (+ "trained" if models exist)
        finally:
            server.start()
        monkeypatch.setattr(ui.classroom, "_DOWN", {})  # the retry pause is over
        student.run()
        assert not student.exception, student.exception
        assert len(student.session_state["class.outbox"]) == 0
        assert [e.payload["path"] for e in class_events(db, info.id, "step")] == ["join", "poison", "train"]

        teacher = fresh_app(**{"lab.audience": "Instructor", "class.instructor": info})
        teacher.run()
        teacher.switch_page("pages/classroom.py").run()
        assert not teacher.exception, teacher.exception
        roster = next(t.value for t in teacher.table if "now on" in t.value.columns)
        assert roster["now on"].iloc[0] == "step 2: Train the models"


def test_the_class_header_names_the_warm_command_for_its_mystery_round(class_url):
    from ui.classroom import class_challenge

    info = create_class(database(class_url), "Class", "2468", "stop-sign-sticker", 3)
    at = fresh_app(**{"lab.audience": "Instructor", "class.instructor": info})
    at.run()
    at.switch_page("pages/classroom.py").run()
    assert f"make warm CHALLENGE={class_challenge(info)} PRESET=stop-sign-sticker SEED=3" in texts(at)


def test_a_reloaded_dashboard_asks_only_for_the_pin_and_never_keeps_it_in_the_link(class_url):
    at = fresh_app(**{"lab.audience": "Instructor"})
    at.run()
    at.switch_page("pages/classroom.py").run()
    at.text_input[0].input("Tuesday workshop")
    at.text_input[1].input("2468")
    _button(at, "Create the class").click().run()
    code = at.session_state["class.instructor"].code
    link = dict(at.query_params)
    assert link["teaching"] == code and "2468" not in repr(link)

    reloaded = fresh_app(**{"lab.audience": "Instructor"})  # a reload: a new session on the same URL
    reloaded.query_params.update(link)
    reloaded.run()
    reloaded.switch_page("pages/classroom.py").run()
    assert not reloaded.exception, reloaded.exception
    assert "class.instructor" not in reloaded.session_state
    assert any(code in i.value and "enter your PIN" in i.value for i in reloaded.info)
    assert reloaded.text_input[2].value == code  # the sign-in form has the code already
    reloaded.text_input[3].input("2468")
    _button(reloaded, "Sign in").click().run()
    assert reloaded.session_state["class.instructor"].code == code
    assert "Nobody has joined yet" in texts(reloaded)


def test_a_dashboard_link_with_junk_for_a_class_code_is_ignored(class_url):
    at = fresh_app(**{"lab.audience": "Instructor"})
    at.query_params["teaching"] = "**<b>x</b>**"
    at.run()
    at.switch_page("pages/classroom.py").run()
    assert not at.exception, at.exception
    assert not any("enter your PIN" in i.value for i in at.info)
    assert at.text_input[2].value == ""


def _typed_address(monkeypatch, cookie: str | None, **query):
    """A new session at an address typed by hand (no class in it, or only ``query``), in a browser
    whose class cookie holds ``cookie``."""
    monkeypatch.setattr("ui.cookies.browser_cookie", lambda: cookie)
    at = fresh_app()
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def test_an_address_typed_without_the_class_keeps_the_student_in_it_by_the_browsers_cookie(class_url, monkeypatch):
    from urllib.parse import quote

    info = create_class(database(class_url), "Class", "2468", "stop-sign-sticker", 7)
    ada = _joining(info.code, "Ada")
    cookie = quote(f"{info.code}:{ada.session_state['class.token']}")  # as ui.class_cookie.keep_in_browser writes it
    again = _typed_address(monkeypatch, cookie)
    assert again.session_state["class.member"].nickname == "Ada"
    assert again.query_params["class"] == info.code and again.query_params["student"]  # back in the address
    assert again.session_state["lab.dataset"] == "traffic-signs" and again.session_state["lab.seed"] == 7
    assert _typed_address(monkeypatch, cookie, **{"class": info.code}).session_state["class.member"].nickname == "Ada"

    other = create_class(database(class_url), "Other", "2468", "classic-patch", 0)
    new_link = _typed_address(monkeypatch, cookie, **{"class": other.code})  # a new class's link wins
    assert "class.member" not in new_link.session_state
    new_link.switch_page("pages/join.py").run()
    assert new_link.text_input[0].value == other.code and "You are in class" not in texts(new_link)

    for junk in (None, "", "nonsense", quote(f"{info.code}:wrong"), quote("NOCLASS:abc"), "%ZZ:"):
        assert "class.member" not in _typed_address(monkeypatch, junk).session_state, junk
    from backdoor.classroom.classes import end_class

    end_class(database(class_url), info.id)
    assert "class.member" not in _typed_address(monkeypatch, cookie).session_state  # an ended class


def test_leaving_the_class_forgets_it_in_this_browser(class_url, monkeypatch):
    from urllib.parse import quote

    info = create_class(database(class_url), "Class", "2468", "classic-patch", 0)
    ada = _joining(info.code, "Ada")
    cookie = quote(f"{info.code}:{ada.session_state['class.token']}")
    at = _typed_address(monkeypatch, cookie)
    at.switch_page("pages/join.py").run()
    _button(at, "Leave this class").click().run()
    assert not at.exception, at.exception
    assert "class.member" not in at.session_state and "class" not in at.query_params
    assert "You left the class" in texts(at) and at.text_input[1].value == ""  # the join form, empty
    assert any("lab_class=; path=/; max-age=0" in str(h.proto) for h in at.get("html"))  # the cookie is cleared in the browser
    at.switch_page("pages/poison.py").run()  # the old cookie still rides with this session: it no longer counts
    assert "class.member" not in at.session_state and "Class **" not in texts(at)


def _opened_link(monkeypatch, cookie: str | None, code: str, token: str):
    """A new session at a student's own link (class and secret in it), in a browser whose cookie holds ``cookie``."""
    monkeypatch.setattr("ui.cookies.browser_cookie", lambda: cookie)
    return _typed_address(monkeypatch, cookie, **{"class": code, "student": token})


def _steps_of(db, info, nickname):
    from backdoor.classroom import class_events

    return [e.payload["path"] for e in class_events(db, info.id, "step") if e.nickname == nickname]


def test_a_students_link_counts_silently_only_in_the_browser_that_keeps_them(class_url, monkeypatch):
    from urllib.parse import quote

    db = database(class_url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    ada = _joining(info.code, "Ada")
    token = ada.session_state["class.token"]
    reload = _opened_link(monkeypatch, quote(f"{info.code}:{token}"), info.code, token)  # her own browser
    assert reload.session_state["class.member"].nickname == "Ada"
    assert not any(b.key == "btn.claim.yes" for b in reload.button)


def test_a_copied_link_asks_before_it_makes_a_neighbour_that_student(class_url, monkeypatch):
    db = database(class_url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    ada = _joining(info.code, "**Ada**")
    token = ada.session_state["class.token"]
    steps = _steps_of(db, info, "**Ada**")

    neighbour = _opened_link(monkeypatch, None, info.code, token)  # a browser that never joined
    assert "class.member" not in neighbour.session_state
    words = texts(neighbour)
    assert r"**Is this you, \*\*Ada\*\*?** This address belongs to **\*\*Ada\*\*** in class" in words
    assert "whoever opens it is counted as" in words
    neighbour.switch_page("pages/train.py").run()  # looking around while asked: nothing is recorded as Ada
    assert _steps_of(db, info, "**Ada**") == steps

    _button(neighbour, "No, join under my own name").click().run()
    assert not neighbour.exception, neighbour.exception
    assert "class.member" not in neighbour.session_state and "student" not in neighbour.query_params
    assert neighbour.text_input[0].value == info.code  # the Join page, with the class's code filled in
    assert not any(b.key == "btn.claim.yes" for b in neighbour.button)
    assert _steps_of(db, info, "**Ada**") == steps


def test_a_student_on_a_second_device_says_yes_and_is_in_their_class(class_url, monkeypatch):
    db = database(class_url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    ada = _joining(info.code, "Ada")
    token = ada.session_state["class.token"]
    phone = _opened_link(monkeypatch, None, info.code, token)
    _button(phone, "Yes, I am Ada").click().run()
    assert not phone.exception, phone.exception
    assert phone.session_state["class.member"].nickname == "Ada"
    assert not any(b.key == "btn.claim.yes" for b in phone.button)
    html = [h.proto.body for h in phone.get("html") if "lab_class=" in h.proto.body]
    assert html and f"lab_class={info.code}%3A{token}" in html[-1]  # this browser now keeps her
    phone.switch_page("pages/poison.py").run()
    assert _steps_of(db, info, "Ada")[-1] == "poison"


def test_a_neighbour_in_the_class_who_says_no_is_back_as_themselves(class_url, monkeypatch):
    from urllib.parse import quote

    db = database(class_url)
    info = create_class(db, "Class", "2468", "classic-patch", 0)
    ada, ben = _joining(info.code, "Ada"), _joining(info.code, "Ben")
    bens = quote(f"{info.code}:{ben.session_state['class.token']}")
    at = _opened_link(monkeypatch, bens, info.code, ada.session_state["class.token"])  # Ada's link, Ben's browser
    assert "class.member" not in at.session_state and "Is this you, Ada?" in texts(at)
    _button(at, "No, join under my own name").click().run()
    assert not at.exception, at.exception
    assert at.session_state["class.member"].nickname == "Ben"
    assert "You are in class" in texts(at)
