"""A drawn trigger follows the story like any attack: Poison (its form), Train, Trigger, Explain,
Defend and the report; and the Trigger page offers a canvas to draw a digit on."""

from __future__ import annotations

from dataclasses import asdict

from apptest import fresh_app, texts, trained
from backdoor.attacks import Drawn

PLUS = Drawn(3, 3, bytes([0, 1, 0, 1, 1, 1, 0, 1, 0]), bytes([0, 255, 0, 255, 255, 255, 0, 255, 0]), top=2, left=3)


def drawn_settings(trigger: Drawn) -> dict:
    """The session as the canvas leaves it once a student has drawn ``trigger``."""
    return {f"poison.drawn.{name}": value for name, value in asdict(trigger).items()}


def test_the_poison_page_offers_a_canvas_a_picture_to_tap_and_the_row_and_column():
    at = fresh_app(**{"poison.attack": "drawn"})
    at.run()
    at.switch_page("pages/poison.py").run()
    assert not at.exception, at.exception
    page = texts(at)
    assert "Draw your trigger" in page and "Your 5x5-pixel drawing" in page and "row 21, column 21" in page
    at.slider(key="w:poison.drawn.left").set_value(4).run()  # the keyboard's way to place it
    assert not at.exception, at.exception
    assert "row 21, column 4" in texts(at)
    assert "200 of the 4,000 training images" not in texts(at)
    assert "400 of the 4,000 training images" in texts(at)  # the drawn attack's own default rate, 10%
    at.button(key="draw.trigger.reset").click().run()
    assert "row 21, column 21" in texts(at)


def _poison_page(trigger: Drawn):
    at = fresh_app(**{"poison.attack": "drawn", **drawn_settings(trigger)})
    at.run()
    at.switch_page("pages/poison.py").run()
    assert not at.exception, at.exception
    return at


def test_black_ink_on_the_black_background_is_said_to_change_no_pixel_never_infinite_decibels():
    # one black pixel in the top-left corner, where no digit of the set has ink: not one image changes
    at = _poison_page(Drawn(1, 1, bytes([1]), bytes([0]), top=0, left=0))
    page = texts(at)
    assert "This trigger changes no pixel of any poisoned image" in at.warning[0].value
    assert "no trigger for a model to learn" in at.warning[0].value
    shown = {m.label: m.value for m in at.metric}
    assert shown["PSNR"] == "no change" and shown["SSIM"] == "1.000" and shown["Largest pixel change (L∞)"] == "0.00"
    assert "inf dB" not in page and "trigger is hard to see" not in page
    assert "but the trigger changes no pixel of any of them" in page and "The attacker changed" not in page


def test_a_black_cross_in_the_corner_changes_only_the_few_images_with_ink_there_and_says_so():
    cross = bytes(1 if r == c or r + c == 4 else 0 for r in range(5) for c in range(5))
    at = _poison_page(Drawn(5, 5, cross, bytes(25), top=0, left=0))
    warning = at.warning[0].value
    assert "This trigger changes no pixel of " in warning and " of the 400 poisoned images" in warning
    assert "only 1 image carries the trigger" in warning or "images carry the trigger" in warning
    page = texts(at)
    assert ("These figures are for the 1 poisoned image the trigger changes, against its original; on the other 399"
            in page)
    assert "were stamped with the trigger" in page and "inf dB" not in page
    assert "Where it shows, the trigger is" in page


def test_a_drawing_is_trained_fired_explained_defended_and_reported():
    at = fresh_app(**{"poison.attack": "drawn", "train.epochs": 1, "poison.rate_pct": 15.0, **drawn_settings(PLUS)})
    at.run()
    trained(at)
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert float(shown["Backdoored: attack success"].rstrip("%")) > 80  # the plus, 3x3 pixels, was learned

    at.switch_page("pages/trigger.py").run()
    assert not at.exception, at.exception
    before = [m.value for m in at.markdown if "says" in m.value][0]
    at.toggle[0].set_value(True).run()
    assert [m.value for m in at.markdown if "says" in m.value][0] != before
    assert "Draw your own digit and try the trigger on it" in [e.label for e in at.expander]

    at.switch_page("pages/explain.py").run()
    assert not at.exception, at.exception
    assert "your 3x3 drawing at row 2, column 3" in at.info[0].value

    at.switch_page("pages/defend.py").run()
    at.multiselect(key="w:defend.chosen").set_value(["strip"]).run()
    at.button(key="btn.defend.run").click().run()
    assert not at.exception, at.exception
    at.button(key="btn.report").click().run()
    assert not at.exception, at.exception
    report = at.session_state["report.html"]
    assert "Your own drawing (draw the trigger)" in report and "3x3 drawing at row 2, column 3" in report


def test_a_reload_or_another_server_rebuilds_the_same_drawing_from_the_link():
    at = fresh_app(**{"poison.attack": "drawn", **drawn_settings(PLUS)})
    at.run()
    at.switch_page("pages/poison.py").run()
    link = dict(at.query_params)
    assert link["poison.drawn.mask"] == "000100010101000100"  # the pixels, in hexadecimal
    assert link["poison.drawn.top"] == "2" and link["poison.drawn.height"] == "3"

    reloaded = fresh_app()
    reloaded.query_params.update(link)
    reloaded.run()
    reloaded.switch_page("pages/poison.py").run()
    assert not reloaded.exception, reloaded.exception
    assert "Your 3x3-pixel drawing" in texts(reloaded) and "row 2, column 3" in texts(reloaded)

    mangled = fresh_app()
    mangled.query_params.update(link | {"poison.drawn.mask": "0101"})  # 2 pixels for a 3x3 drawing
    mangled.run()
    mangled.switch_page("pages/poison.py").run()
    assert not mangled.exception and not mangled.error
    assert "Your 5x5-pixel drawing" in texts(mangled)  # the link opens on the default drawing, not an error
