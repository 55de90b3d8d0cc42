"""A shared link whose settings the widgets do not offer opens on the defaults, never on an error page.

Every case here once opened "Something went wrong" (a slider below its minimum, a model or an
audience the lab does not have) or opened on a setting no widget could show (a batch size of 17).
"""

from __future__ import annotations

import pytest

from apptest import fresh_app
from ui.state import DEFAULTS

MANGLED = [
    ("train.epochs", "0"), ("train.epochs", "31"),
    ("lab.seed", "-4"), ("lab.seed", "100000"),
    ("lab.model", "nope"), ("lab.model", "mlp"),  # the patient records' model cannot read pictures
    ("lab.audience", "Robot"),
    ("poison.attack", "nope"), ("poison.attack", "sticker"),  # the sticker needs road signs, not digits
    ("poison.rate_pct", "95"), ("poison.rate_pct", "-3"), ("poison.rate_pct", "nan"),
    ("poison.target", "42"), ("poison.target", "-7"),
    ("train.batch_size", "17"), ("train.learning_rate", "0.5"), ("train.mixup", "0.3"),
    ("lab.dataset", "nope"),
]


def opened_from(link: dict[str, str], page: str = "pages/train.py"):
    at = fresh_app()
    at.query_params.update(link)
    at.run()
    at.switch_page(page).run()
    return at


@pytest.mark.parametrize("key,text", MANGLED)
def test_a_setting_no_widget_offers_opens_on_its_default(key, text):
    at = opened_from({key: text})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state[key] == DEFAULTS[key]
    assert not any("Something went wrong" in m.value for m in at.markdown)


def test_all_to_all_is_no_target_for_a_clean_label_attack():
    at = opened_from({"poison.attack": "sig", "poison.target": "-1"})
    assert not at.exception, at.exception
    assert at.session_state["poison.attack"] == "sig" and at.session_state["poison.target"] == 0


def test_a_link_with_settings_the_widgets_offer_keeps_every_one():
    link = {"lab.seed": "7", "train.epochs": "3", "poison.target": "5", "train.learning_rate": "0.01",
            "train.batch_size": "32", "train.mixup": "0.4", "poison.rate_pct": "12.5", "lab.model": "color-cnn",
            "lab.audience": "Instructor", "poison.attack": "blended"}
    at = opened_from(link, "pages/poison.py")
    assert not at.exception, at.exception
    s = at.session_state
    assert (s["lab.seed"], s["train.epochs"], s["poison.target"], s["train.learning_rate"]) == (7, 3, 5, 0.01)
    assert (s["train.batch_size"], s["train.mixup"], s["poison.rate_pct"]) == (32, 0.4, 12.5)
    assert (s["lab.model"], s["lab.audience"], s["poison.attack"]) == ("color-cnn", "Instructor", "blended")
    assert at.selectbox(key="w:poison.target").value == 5


def test_the_sidebar_offers_only_models_that_read_pictures():
    at = fresh_app()
    at.run()
    assert at.selectbox(key="w:lab.model").options == ["Small CNN (2 conv layers)", "Colour CNN (3 conv layers)"]


@pytest.mark.parametrize("attack,field,text", [
    ("blended", "alpha", "0.01"),  # the attack accepts it; the slider starts at 0.02
    ("adap_blend", "pieces", "1"), ("wanet", "strength", "9"), ("sig", "delta", "0.02"),
    ("badnets", "colour", "pink"), ("badnets", "size", "0"),
])
def test_an_attack_setting_its_slider_or_list_does_not_offer_opens_on_the_default(attack, field, text):
    from backdoor.attacks import ATTACKS

    key = f"poison.{attack}.{field}"
    at = opened_from({"poison.attack": attack, key: text}, "pages/poison.py")
    assert not at.exception, at.exception
    assert at.session_state["poison.attack"] == attack
    assert at.session_state[key] == getattr(ATTACKS[attack].config(), field)


def _note(at) -> str:
    return "\n".join(i.value for i in at.info if "This link carries" in i.value)


@pytest.mark.parametrize("key,text,words", [
    ("poison.rate_pct", "95",
     "**Poison rate (%)**: the link asked for `95`, but the lab offers 0 to 50; the lab uses **10**."),
    ("train.epochs", "abc", "**Epochs**: the link asked for `abc`, but that is not a number; the lab uses **5**."),
    ("lab.model", "mlp", "that model does not read pictures; the lab uses **Small CNN (2 conv layers)**."),
    ("poison.attack", "sticker", "it does not work on MNIST"),
    ("poison.target", "42", "**Target class**: the link asked for `42`, but MNIST"),
    ("train.batch_size", "17", "the lab offers 16, 32, 64, 128 or 256; the lab uses **64**."),
    ("lab.audience", "Robot", "the lab offers Student, Stakeholder or Instructor; the lab uses **Student**."),
])
def test_the_page_says_which_setting_of_a_link_it_did_not_use_and_why(key, text, words):
    at = fresh_app()
    at.query_params.update({key: text, "train.epochs": "3"} if key != "train.epochs" else {key: text})
    at.run()
    assert not at.exception, at.exception
    note = _note(at)
    assert words in note, note
    assert "This link carries a setting the lab does not offer" in note
    if key != "train.epochs":
        assert at.session_state["train.epochs"] == 3  # the rest of the link is kept
    at.run()  # said once: the address no longer carries the setting
    assert not _note(at)


def test_a_link_the_lab_can_use_in_full_gets_no_note():
    at = fresh_app()
    at.query_params.update({"poison.rate_pct": "12.5", "lab.seed": "7", "class": "ABCD"})
    at.run()
    assert not _note(at)
    assert at.session_state["poison.rate_pct"] == 12.5


def test_several_unused_settings_are_each_named_and_counted():
    at = fresh_app()
    at.query_params.update({"poison.rate_pct": "-3", "lab.seed": "[x](javascript:alert(1)) <b>bold</b>",
                            "poison.attack": "blended", "poison.blended.alpha": "0.01"})
    at.run()
    note = _note(at)
    assert note.startswith("This link carries 3 settings the lab does not offer"), note
    assert "`[x](javascript:alert(1)…`" in note  # quoted as code, cut to a line, never a link
    assert "**Blended: " in note and "the lab offers 0.02 to" in note
    assert at.session_state["poison.attack"] == "blended"


def test_every_setting_a_link_may_carry_has_a_name_a_reader_knows():
    from ui.url_state import _known, _label

    for key in _known():
        assert _label(key) != key and "." not in _label(key).split(": ")[0], key


def test_a_patient_records_value_beyond_its_slider_opens_on_the_default_and_says_so():
    at = fresh_app()
    at.query_params.update({"tabular.rate_pct": "100", "tabular.margin": "1.5"})
    at.run()
    at.switch_page("pages/tabular.py").run()  # the note was said on the first page; the page keeps the default
    assert not at.exception, at.exception
    assert at.session_state["tabular.rate_pct"] == DEFAULTS["tabular.rate_pct"]
    assert at.session_state["tabular.margin"] == 1.5
    first = fresh_app()
    first.query_params.update({"tabular.rate_pct": "100"})
    first.run()
    assert ("**Patient records: poison rate (%)**: the link asked for `100`, but the lab offers 0 to 25; the lab "
            "uses **7.5**.") in _note(first)


def test_a_link_to_a_data_set_without_a_model_trains_that_data_sets_own_model():
    """As the sidebar does when the data set changes; a model the link names is kept, and a reload
    (the URL the page wrote) opens the same pair again."""
    signs = opened_from({"lab.dataset": "traffic-signs"}, "pages/poison.py")
    assert not signs.exception, signs.exception
    assert signs.session_state["lab.model"] == "color-cnn"
    assert "lab.model" not in signs.query_params  # the data set's own model: nothing to write
    small = opened_from({"lab.dataset": "traffic-signs", "lab.model": "small-cnn"}, "pages/poison.py")
    assert small.session_state["lab.model"] == "small-cnn"
    assert small.query_params["lab.model"] == "small-cnn"  # not the data set's own: a reload keeps it
    reloaded = opened_from(dict(small.query_params), "pages/poison.py")
    assert (reloaded.session_state["lab.dataset"], reloaded.session_state["lab.model"]) == ("traffic-signs",
                                                                                              "small-cnn")
    colour_digits = opened_from({"lab.model": "color-cnn"}, "pages/poison.py")
    assert colour_digits.session_state["lab.model"] == "color-cnn"
    assert colour_digits.query_params["lab.model"] == "color-cnn"


def test_a_model_a_link_cannot_use_falls_back_to_its_data_sets_own_and_says_so():
    at = fresh_app()
    at.query_params.update({"lab.model": "mlp", "lab.dataset": "traffic-signs"})
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["lab.model"] == "color-cnn"
    assert "that model does not read pictures; the lab uses **Colour CNN (3 conv layers)**." in _note(at)


def test_a_link_naming_the_patient_records_as_the_picture_pages_data_set_says_they_have_their_own_page():
    at = fresh_app()
    at.query_params.update({"lab.dataset": "breast-cancer"})
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["lab.dataset"] == "mnist-5k"
    note = _note(at)
    assert "**Data set**: the link asked for `breast-cancer`, but the lab offers MNIST digits (offline)" in note
    assert "patient records" not in note  # not a choice the sidebar offers
