"""Plain words for stakeholders: no term of lessons/plain_terms.toml appears on a stakeholder's page
without a plain explanation at its first use (the checker is tests/plain_words.py).

Each page is rendered as a stakeholder sees it after training the default models, and read in the
order it is drawn: headings, text, alerts, captions, metrics and their help, tables, expanders,
tabs, widget labels, help and options, and chart titles.
"""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1.element_tree import Block

from apptest import fresh_app, trained
from plain_words import Term, Unexplained, load_terms, unexplained

from backdoor.defenses.registry import DEFENSES
from backdoor.matrix import NO_DEFENSE, AttackRow, Cell, Matrix, MatrixConfig, matrix_path, save_matrix
from backdoor.sectors import load_sectors
from backdoor.train import Progress
from ui.menus import MENUS, STAKEHOLDER_TITLES
from ui.training import progress_words

TERMS = load_terms()

# The stakeholder's menu, less the glossary (where the terms are explained).
STAKEHOLDER_PAGES = [page for page in MENUS["Stakeholder"] if page != "glossary"]

# The caption of ui.glossary.glossary_link: an index of the page's terms beside a link to the
# Glossary, not a use of them.
INDEX = "Words on this page:"
PROTO_TEXT = {"body", "label", "help", "caption", "options", "title", "placeholder", "text"}

# Terms a page has yet to explain (none today): each must still be flagged, so an entry is removed
# once it is fixed.
PENDING: dict[str, set[str]] = {}


# --- the checker itself ---

EPOCH = Term("epoch", re.compile(r"\bepochs?\b", re.IGNORECASE), ("one pass through",))


def test_a_term_with_no_explanation_near_its_first_use_is_flagged():
    found = unexplained("The model trained for 5 epochs. It scored 97%.", [EPOCH])
    assert found == [Unexplained("epoch", "The model trained for 5 epochs.")]


def test_an_explanation_in_the_same_sentence_or_just_after_is_enough():
    assert not unexplained("It trained for 5 epochs (one pass through the data each).", [EPOCH])
    assert not unexplained("It trained for 5 epochs.\nAn epoch is one pass through the data.", [EPOCH])
    assert not unexplained("One pass through the data is an **epoch**, and it ran 5.", [EPOCH])


def test_only_the_first_use_needs_the_explanation():
    late = "It trained for 5 epochs. " + "It then scored well on every test. " * 10 + "An epoch is one pass through."
    assert unexplained(late, [EPOCH]) == [Unexplained("epoch", "It trained for 5 epochs.")]
    assert not unexplained("Each epoch is one pass through the data. " + "Filler. " * 60 + "After 5 epochs.", [EPOCH])


def test_an_explanation_of_another_term_far_before_does_not_count():
    before = "One pass through the data. " + "Then the model was tested on new digits. " * 8 + "It ran 5 epochs."
    assert unexplained(before, [EPOCH])


def test_the_terms_file_flags_the_lab_words_and_accepts_its_glosses():
    assert [u.term for u in unexplained("Training ran 3 epochs with batch size 64 and learning rate 0.01.",
                                        TERMS)] == ["epoch", "batch", "learning-rate"]
    assert [u.term for u in unexplained("Its ECE was 2%. SSIM 0.9.", TERMS)] == ["calibration", "ssim"]
    assert not unexplained("Its ECE (how far the model's confidence is from how often it is right) was 2%.", TERMS)
    # ordinary words stay ordinary: a product recall, a strip of paper, a loss of trust
    assert not unexplained("Recalls, a strip of tape and the loss of clinicians' trust.", TERMS)
    assert [u.term for u in unexplained("STRIP refused it.", TERMS)] == ["strip"]


def test_every_term_has_a_pattern_and_at_least_one_explanation():
    assert len(TERMS) >= 25
    for term in TERMS:
        assert term.explained_by and all(p.strip() for p in term.explained_by), term.name
        assert not term.pattern.search(" / ".join(term.explained_by)), f"{term.name}: it cannot explain itself"


def test_the_list_holds_the_lab_words_and_every_registered_defense():
    names = {term.name for term in TERMS}
    assert {"epoch", "batch", "loss", "learning-rate", "calibration", "ssim", "psnr", "confusion-matrix",
            "anomaly-index", "f1", "precision", "recall", "logit", "neuron", "activation", "gradient", "poison-rate",
            "attack-success-rate", "clean-accuracy", "held-out", "seed"} <= names
    for spec in DEFENSES.values():  # a new defense needs its plain words before a stakeholder sees its name
        assert any(term.pattern.search(spec.title) for term in TERMS), spec.title


# --- the pages ---

def _strings(message) -> list[str]:
    """The visible strings of a Streamlit message: labels, bodies, help, captions, options."""
    out = []
    for field, value in message.ListFields():
        if hasattr(value, "ListFields"):
            out += _strings(value)
        elif field.type == field.TYPE_MESSAGE:
            out += [s for v in value for s in _strings(v)]
        elif field.type == field.TYPE_STRING and field.name in PROTO_TEXT:
            out += [value] if isinstance(value, str) else list(value)
    return out


def _chart_titles(spec: str) -> list[str]:
    layout = json.loads(spec).get("layout", {})
    titles = [layout.get("title", {}).get("text")]
    titles += [layout.get(axis, {}).get("title", {}).get("text") for axis in ("xaxis", "yaxis")]
    return [t for t in titles if t]


def _texts(node) -> list[str]:
    if isinstance(node, Block):
        own = _strings(node.proto) if node.proto is not None else []
        return own + [t for k in sorted(node.children) for t in _texts(node.children[k])]
    if node.type in ("arrow_data_frame", "arrow_table", "dataframe", "table"):
        frame = node.value.astype(str)
        return [" | ".join(map(str, frame.columns))] + [" | ".join(row) for row in frame.itertuples(index=False)]
    if node.type == "plotly_chart":
        return _chart_titles(node.proto.spec)
    if node.type == "metric":
        return [f"{node.label}: {node.value}", node.proto.help]
    if node.type == "code":  # fingerprints
        return []
    proto = getattr(node, "proto", None)
    return _strings(proto) if hasattr(proto, "ListFields") else []


def page_text(at) -> str:
    """The main area's words in the order they are drawn (the sidebar's menu is the app's frame)."""
    return "\n".join(t for t in _texts(at.main) if t and not t.startswith(INDEX))


# A matrix as a prepared server keeps it (`make warm`), so the page shows its figures: the attack
# success rates after each defense, measured on the default settings.
COLUMNS = (NO_DEFENSE, "activation_clustering", "spectral_signatures", "neural_cleanse", "fine_pruning", "strip")
ASR = {"badnets": (1.0, .002, .002, .007, .011, 0.0), "badnets-all-to-all": (.93, .852, .93, .852, .016, .926),
       "blended": (1.0, .002, .002, .002, .002, 0.0), "wanet": (.976, .976, .976, .497, .004, .951),
       "sig": (1.0, 1.0, 1.0, 1.0, .354, .002)}
FOUND = {"badnets": 1.0, "badnets-all-to-all": 0.1, "blended": 1.0, "wanet": 0.0, "sig": 0.0}


def _stored_matrix(config: MatrixConfig) -> Matrix:
    rows = [AttackRow(a, 0.1, 400, 0.972, asr[0], 8.0) for a, asr in ASR.items()]
    cells = []
    for attack, rates in ASR.items():
        for defense, asr in zip(COLUMNS, rates):
            inspects = defense in ("activation_clustering", "spectral_signatures")
            detail = ("the backdoored model as trained" if defense == NO_DEFENSE else
                      f"flagged {round(400 * FOUND[attack])} training images; retrained without them" if inspects
                      else "repaired")
            cells.append(Cell(attack, defense, 0.97, asr, 0.006, 5.0, detail, FOUND[attack] if inspects else None,
                              refused=0.05 if defense == "strip" else 0.0))
    return Matrix(config.key(), config.dataset, 0.976, rows, cells, 240.0)


@pytest.fixture(scope="module")
def stakeholder():
    """One stakeholder's session, with the default models trained and the default matrix stored."""
    config = MatrixConfig()
    save_matrix(config, _stored_matrix(config))
    at = fresh_app(**{"lab.audience": "Stakeholder"})
    at.run()
    yield trained(at)
    matrix_path(config).unlink(missing_ok=True)  # other tests expect the matrix not computed yet


def assert_plain(text: str, page: str) -> None:
    found = unexplained(text, TERMS)
    pending = PENDING.get(page, set())
    new = [u for u in found if u.term not in pending]
    assert not new, "unexplained at their first use:\n" + "\n".join(f"  {u.term}: {u.sentence}" for u in new)
    assert pending <= {u.term for u in found}, f"explained now: take {pending - {u.term for u in found}} off PENDING"


def _read(at, page: str) -> str:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return page_text(at)


@pytest.mark.trains
@pytest.mark.parametrize("page", STAKEHOLDER_PAGES)
def test_every_stakeholder_page_explains_each_term_at_its_first_use(stakeholder, page):
    text = _read(stakeholder, page)
    assert "Train them first" not in text and "Not computed yet" not in text  # the page as it is used
    assert_plain(text, page)


@pytest.mark.trains
@pytest.mark.parametrize("sector", list(load_sectors()))
def test_the_risk_brief_explains_its_terms_for_every_sector(stakeholder, sector):
    stakeholder.session_state["govern.sector"] = sector
    text = _read(stakeholder, "govern")
    assert load_sectors()[sector].name in text
    assert_plain(text, "govern")


# The pages whose words change while nothing is trained yet (the matrix's "not computed yet" note is
# left out: it times this server first, half a minute of a test run).
WAITING = [page for page in STAKEHOLDER_PAGES if page in {"train", "trigger", "drill", "brief"}]


@pytest.mark.parametrize("page", WAITING)
def test_before_anything_is_trained_the_waiting_pages_explain_their_terms_too(page):
    at = fresh_app(**{"lab.audience": "Stakeholder", "train.epochs": 29})  # settings nobody trained
    at.run()
    text = _read(at, page)
    assert "Train both models" in text or "Train them first" in text
    assert_plain(text, page)


def test_the_training_bar_speaks_plainly_to_stakeholders():
    info = Progress(epoch=2, epochs=5, batch=7, batches=40, loss=0.412)
    assert not unexplained(progress_words("Backdoored model", info, plain=True), TERMS)
    assert [u.term for u in unexplained(progress_words("Backdoored model", info), TERMS)] == ["epoch", "batch", "loss"]


@pytest.mark.trains
def test_the_incident_drills_timeline_and_playbook_explain_their_terms_too(stakeholder):
    _read(stakeholder, "drill")
    stakeholder.button(key="btn.drill.end").click().run()
    text = page_text(stakeholder)
    assert "The incident timeline" in text and "The playbook" in text
    assert_plain(text, "drill")


@pytest.mark.trains
def test_a_stakeholders_next_link_names_the_next_page_of_their_own_menu(stakeholder):
    for here, there in zip(["train", "trigger", "matrix"], ["trigger", "matrix", "tabular"]):
        stakeholder.switch_page(f"pages/{here}.py").run()
        nexts = [p.proto for p in stakeholder.get("page_link") if p.proto.label.startswith("Next:")]
        assert [(n.label, n.page.split("/")[-1]) for n in nexts] == [
            (f"Next: {STAKEHOLDER_TITLES[there]}", there)], nexts
