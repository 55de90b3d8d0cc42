"""Creating, joining, guarding and ending a class, on SQLite and on a real PostgreSQL."""

import pytest

from backdoor.classroom import (
    CODE_ALPHABET, MAX_NICKNAME, ClassroomError, create_class, end_class, find_class, instructor_login, join_class,
    join_link,
)
from backdoor.classroom.classes import PIN_TRIES, pin_matches, rejoin
from backdoor.classroom.schema import ClassRow


def test_a_class_gets_a_readable_code_a_hashed_pin_and_a_link(class_db):
    info = create_class(class_db, "  Tuesday   workshop ", "4321", "stop-sign-sticker", 7)
    assert info.name == "Tuesday workshop" and len(info.code) == 6
    assert set(info.code) <= set(CODE_ALPHABET) and not set(info.code) & set("0O1IL")
    with class_db.session() as session:
        stored = session.get(ClassRow, info.id).pin_hash
    # The PIN is not a field of what is stored (a random hex salt or digest may still hold "4321" by chance,
    # about once in 400 runs, so the test asks for the shape and the check, not for an absent substring).
    kind, salt, digest = stored.split("$")
    assert kind == "scrypt" and len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) >= 32
    assert pin_matches("4321", stored) and not pin_matches("4322", stored)
    link = join_link("http://lab.local:8501/", info)
    assert link == f"http://lab.local:8501/join?class={info.code}&preset=stop-sign-sticker&seed=7"
    assert find_class(class_db, info.code.lower()) == info  # typed in lower case, found


@pytest.mark.parametrize("name, pin, preset, seed, why", [
    ("", "1234", "classic-patch", 0, "name"),
    ("x" * 81, "1234", "classic-patch", 0, "at most 80"),
    ("Class", "12", "classic-patch", 0, "4 to 12 digits"),
    ("Class", "12ab", "classic-patch", 0, "4 to 12 digits"),
    ("Class", "1234", "no-such-preset", 0, "Unknown preset"),
    ("Class", "1234", "classic-patch", -1, "seed"),
])
def test_a_class_with_bad_settings_is_refused_with_the_reason(class_db, name, pin, preset, seed, why):
    with pytest.raises(ClassroomError, match=why):
        create_class(class_db, name, pin, preset, seed)


def test_students_join_with_a_nickname_and_come_back_with_their_link(class_db):
    info = create_class(class_db, "Class", "1234", "classic-patch", 0)
    ada, token = join_class(class_db, f" {info.code.lower()} ", "  Ada   L ")
    assert ada.nickname == "Ada L" and ada.code == info.code
    assert rejoin(class_db, info.code, token) == ada
    assert rejoin(class_db, info.code, "not-a-token") is None


@pytest.mark.parametrize("nickname, why", [
    ("", "Pick a nickname"),
    ("   ", "Pick a nickname"),
    ("n" * 200, f"at most {MAX_NICKNAME} characters; yours has 200"),
    ("bad\x00name", "letters, digits"),
    ("ADA", "already called 'ADA'"),
])
def test_a_bad_or_taken_nickname_is_refused_with_the_reason(class_db, nickname, why):
    info = create_class(class_db, "Class", "1234", "classic-patch", 0)
    join_class(class_db, info.code, "Ada")
    with pytest.raises(ClassroomError, match=why):
        join_class(class_db, info.code, nickname)


def test_a_wrong_or_ended_code_admits_nobody(class_db):
    with pytest.raises(ClassroomError, match="No open class has that code"):
        join_class(class_db, "ZZZZZZ", "Ada")
    info = create_class(class_db, "Class", "1234", "classic-patch", 0)
    ada, token = join_class(class_db, info.code, "Ada")
    end_class(class_db, info.id)
    with pytest.raises(ClassroomError, match="No open class has that code"):
        join_class(class_db, info.code, "Bob")
    assert rejoin(class_db, info.code, token) is None and find_class(class_db, info.code) is None
    assert find_class(class_db, info.code, open_only=False).ended


def test_a_wrong_pin_says_nothing_about_the_class_and_tries_are_limited(class_db):
    info = create_class(class_db, "Class", "24680", "classic-patch", 0)
    assert instructor_login(class_db, info.code, "24680") == info
    with pytest.raises(ClassroomError) as wrong_pin:
        instructor_login(class_db, info.code, "11111")
    with pytest.raises(ClassroomError) as no_class:
        instructor_login(class_db, "QQQQQQ", "11111")
    assert str(wrong_pin.value) == str(no_class.value)  # the same words whether the class exists or not
    for _ in range(PIN_TRIES - 1):
        with pytest.raises(ClassroomError, match="do not match"):
            instructor_login(class_db, info.code, "11111")
    with pytest.raises(ClassroomError, match="Too many wrong tries"):
        instructor_login(class_db, info.code, "24680")  # locked now, even with the right PIN
    other = create_class(class_db, "Other", "24680", "classic-patch", 0)
    assert instructor_login(class_db, other.code, "24680") == other  # other classes are not locked
