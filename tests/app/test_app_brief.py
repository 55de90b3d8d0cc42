"""The stakeholder's controls, sectors and board brief: drawn from the stored matrix, in the sector chosen."""

from __future__ import annotations

import re

from apptest import fresh_app, texts

from backdoor.matrix import AttackRow, Cell, Matrix, MatrixConfig, NO_DEFENSE, save_matrix
from backdoor.train import TrainConfig
from ui.waiting import MEASURING

EPOCHS = 26  # this test's own settings, so its matrix is the only one stored for them


def _store_matrix(pruning_stops_blend: bool) -> None:
    """A matrix written by hand (its computation is tested in tests/backdoor/test_matrix.py): Fine-Pruning
    stops the patch, and the blend too when asked; STRIP stops the blend and refuses 4% of honest inputs."""
    rows = [AttackRow("badnets", 0.1, 400, 0.97, 1.0, 7.0), AttackRow("blended", 0.1, 400, 0.972, 0.99, 7.0)]
    cells = []
    for attack in ("badnets", "blended"):
        cells.append(Cell(attack, NO_DEFENSE, 0.97, 1.0, 0.006, 0.0, "the backdoored model as trained"))
        stopped = attack == "badnets" or pruning_stops_blend
        cells.append(Cell(attack, "fine_pruning", 0.96, 0.01 if stopped else 0.8, 0.016, 30.0, "pruned"))
        cells.append(Cell(attack, "strip", 0.93, 0.9 if attack == "badnets" else 0.05, 0.046, 2.0, "screened",
                          refused=0.04))
    save_matrix(MatrixConfig(train=TrainConfig(epochs=EPOCHS)), Matrix("k", "mnist-5k", 0.976, rows, cells, 60.0))


def _stakeholder(page: str, epochs: int = EPOCHS):
    at = fresh_app(**{"lab.audience": "Stakeholder", "train.epochs": epochs})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_the_controls_follow_the_stored_evidence_with_cost_owner_and_the_scenario_names():
    _store_matrix(pruning_stops_blend=False)
    body = texts(_stakeholder("pages/govern.py"))
    assert "Catches 1 of 2: Classic patch (digits). Misses: Faint blend." in body  # the names on the stakeholder path
    assert "First, prune and retune before release: it stopped Classic patch (digits)" in body
    assert "Then, screen every request in service: it stopped Faint blend" in body
    assert "up to 4.0% of honest customers or patients refused" in body
    assert "Owner: Operations, the team running the service · NIST AI RMF: Manage" in body
    assert "**Faint blend**: A faint noise pattern over the whole picture" in body  # each named attack explained
    _store_matrix(pruning_stops_blend=True)  # another seed, another matrix: the advice changes with it
    body = texts(_stakeholder("pages/govern.py"))
    assert "Catches both attacks: Classic patch (digits) and Faint blend." in body
    assert "Then, screen every request" not in body


def test_without_a_measured_matrix_no_control_is_recommended_and_the_way_to_measure_it_is_offered():
    at = _stakeholder("pages/govern.py", epochs=25)
    body = texts(at)
    assert "has not been measured on this server yet" in body
    # how long measuring takes, from this server's own figures (or that they are still being measured)
    assert re.search(r"Measure it once \(about \d+(\.\d)? (s|minutes?) on this server;", body) or MEASURING in body
    assert any("matrix" in p.proto.page for p in at.get("page_link"))
    assert "First, " not in texts(at)


def test_each_sector_brings_its_own_rules():
    at = _stakeholder("pages/govern.py", epochs=25)
    assert "Regulation (EU) 2022/2554" in texts(at)  # finance first: DORA
    at.segmented_control(key="w:govern.sector").set_value("healthcare").run()
    assert "Regulation (EU) 2017/745" in texts(at) and "2022/2554" not in texts(at)
    at.segmented_control(key="w:govern.sector").set_value("transport").run()
    assert "ISO 21448" in texts(at)


def test_the_brief_page_offers_the_brief_for_the_chosen_sector_and_the_session_report():
    _store_matrix(pruning_stops_blend=False)
    at = _stakeholder("pages/brief.py")
    assert at.title[0].value == "8. The board brief"
    download = next(b for b in at.get("download_button") if "board brief" in b.proto.label)
    assert download.proto.label == "Download the board brief (HTML, two A4 pages)"
    assert "Train them first" in texts(at) or "No trained models" in texts(at)  # the report needs the models


def test_before_anything_is_measured_the_brief_names_the_pages_as_this_audiences_menu_numbers_them():
    """The stakeholder's path numbers the matrix 4 and the drill 7; a student's or instructor's menu
    numbers Explain 4 and Govern 7, so the page names travel, never a bare number."""
    expected = {"Stakeholder": ["2. Watch a backdoor planted", "4. Which defenses work", "7. Incident drill: rollback"],
                "Instructor": ["2. Train the models", "6. Attack x defense matrix", "Incident drill: rollback"]}
    for audience, titles in expected.items():
        at = fresh_app(**{"lab.audience": audience, "train.epochs": 24})
        at.run()
        at.switch_page("pages/brief.py").run()
        assert not at.exception, at.exception
        assert "None yet: watch a backdoor planted, measure which defenses work or play the incident drill" in texts(at)
        assert "(page " not in texts(at)
        assert "how the backdoored model scored on ordinary inputs" in texts(at)
        links = {p.proto.label: p.proto.page for p in at.get("page_link")}
        for title, page in zip(titles, ("train", "matrix", "drill")):
            assert page in links[title], (audience, links)
    at = fresh_app(**{"lab.audience": "Stakeholder", "train.epochs": 24, "poison.rate_pct": 0.0})
    at.run()
    at.switch_page("pages/brief.py").run()
    assert "how the model trained on the lab's data scored on ordinary inputs" in texts(at)  # nothing poisoned
