"""The Patient records page, driven like a student: its figures are the library's, its controls the registry's."""

import pytest

from apptest import fresh_app, texts

from backdoor.datasets import load_dataset
from backdoor.defenses.registry import DEFENSES
from backdoor.tabular import controls, study, table_scenario

pytestmark = pytest.mark.trains  # each change trains two small MLPs (under a second each)


def opened(**state):
    at = fresh_app(**state)
    at.switch_page("pages/tabular.py").run()
    assert not at.exception, at.exception
    return at


def test_the_page_shows_the_libraries_figures_for_both_models_and_every_table_control():
    at = opened()
    expected = study(load_dataset("breast-cancer"), table_scenario()).figures
    figures, _, controls_table = (df.value for df in at.dataframe)
    by_figure = {row["figure"]: row for _, row in figures.iterrows()}
    for kind, column in (("backdoored", "backdoored model"), ("baseline", "clean model")):
        f = expected[kind]
        assert by_figure["Sensitivity"][column] == f"{100 * f.sensitivity:.1f}%"
        assert by_figure["Malignant read as benign, with the trigger"][column] == f"{100 * f.asr:.1f}%"
        assert by_figure["Accuracy on honest records"][column] == f"{100 * f.clean_acc:.1f}%"
    bad = expected["backdoored"]
    assert f"reads {bad.flipped} of {bad.triggered}" in texts(at)
    shown = list(controls_table["control"])
    assert shown == ["No control", *(title for _, _, title in controls())]
    assert not {spec.title for name, spec in DEFENSES.items() if "tabular" not in spec.modalities} & set(shown)
    assert "What you just saw" in texts(at)


def test_the_chosen_measurements_and_value_reach_the_trigger():
    at = opened()
    at.multiselect(key="w:tabular.features").set_value(["mean radius"]).run()
    at.slider(key="w:tabular.value").set_value(0.0).run()
    assert not at.exception, at.exception
    assert at.session_state["tabular.features"] == "0" and at.session_state["tabular.value"] == 0.0
    trigger = at.dataframe[1].value
    assert list(trigger["measurement"]) == ["mean radius"] and list(trigger["beyond that range"]) == ["inside it"]
    assert "no range check can tell these records from honest ones" in texts(at)
    # at the average itself the attribution, measured from the average record, cannot credit the trigger at all
    assert "this method cannot see a trigger set at the average" in texts(at)


def test_no_measurement_chosen_asks_for_one_and_a_mangled_link_opens_the_default_trigger():
    at = opened()
    at.multiselect(key="w:tabular.features").set_value([]).run()
    assert not at.exception and "Choose at least one measurement" in texts(at)
    assert not at.dataframe
    mangled = opened(**{"tabular.features": "worst texture;27"})
    assert list(mangled.dataframe[1].value["measurement"]) == ["worst texture", "worst concave points"]


def test_the_range_check_margin_changes_its_cost():
    at = opened()
    before = at.dataframe[2].value.set_index("control").loc["Range check", "honest records refused"]
    at.slider(key="w:tabular.margin").set_value(0.0).run()
    after = at.dataframe[2].value.set_index("control").loc["Range check", "honest records refused"]
    assert float(after.rstrip("%")) > float(before.rstrip("%"))


def test_the_risk_briefs_healthcare_section_links_to_the_records():
    at = fresh_app()
    at.run()
    at.switch_page("pages/govern.py").run()
    assert not at.exception, at.exception
    links = [(p.proto.label, p.proto.page) for p in at.get("page_link")]
    shown = [label for label, page in links if page.endswith("tabular.py") or "tabular" in page]
    assert any(label.startswith("Shown, not asserted") and "patient records" in label for label in shown), links


@pytest.mark.parametrize("audience", ["Stakeholder", "Student"])
def test_the_start_page_offers_the_records_as_a_scenario(audience):
    at = fresh_app(**{"lab.audience": audience})
    at.run()
    assert not at.exception, at.exception
    assert any("A tampered lab pattern flips a diagnosis" in m.value for m in at.markdown)
    assert any(p.proto.label == "Open the patient records" and "tabular" in p.proto.page for p in at.get("page_link"))


def test_a_link_with_values_out_of_range_opens_the_page_inside_them():
    at = opened(**{"tabular.value": 99.0, "tabular.rate_pct": float("nan"), "tabular.margin": -4.0,
                   "tabular.record": 500})
    assert at.slider(key="w:tabular.value").value == 8.0
    assert at.slider(key="w:tabular.rate_pct").value == 7.5  # not a number: the default
    assert at.slider(key="w:tabular.margin").value == 0.0
    record = at.selectbox(key="w:tabular.record")
    assert record.value == len(record.options) - 1 == 31  # the last of the 32 malignant held-out records


def test_a_link_naming_the_records_as_the_data_set_opens_the_picture_pages_on_the_default():
    at = fresh_app(**{"lab.dataset": "breast-cancer"})
    at.switch_page("pages/poison.py").run()
    assert not at.exception, at.exception
    assert at.session_state["lab.dataset"] == "mnist-5k"


def test_at_a_poison_rate_of_zero_no_control_is_credited_and_nothing_reads_as_poisoned():
    at = opened()
    at.slider(key="w:tabular.rate_pct").set_value(0.0).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "0 of the 398 training records were poisoned." in shown
    assert "Nothing was poisoned this time" in shown and "poisoned exactly as the digits were" not in shown
    assert "it stops the attack" not in shown and "Stopped it" not in shown
    assert "0 of the 0" not in shown and "(-0.0 points)" not in shown
    controls_table = at.dataframe[2].value
    assert not any("-0.0" in cell for cell in controls_table["accuracy on honest records"])
    assert not at.error and "the trigger did not take" in at.info[0].value  # no red box without a missed cancer
    # the model trained on an untouched file holds no backdoor, and is never called backdoored
    measured = [line for line in shown.splitlines() if "backdoored" in line.lower()
                and not line.startswith("**What to look for.**")]  # the lesson, above the figures, tells the attack
    assert not measured, measured
    assert "The unpoisoned model finds" in shown and "unpoisoned model" in at.dataframe[0].value.columns
    assert "backdoored" in texts(opened()).lower()  # poisoned, it is
