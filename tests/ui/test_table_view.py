"""The Patient records page's tables: the figures of both models, in the order a phone shows them."""

from backdoor.clinical import ClinicalFigures
from ui.table_view import figures_rows


def test_the_backdoored_model_comes_first_so_a_phone_shows_it_before_scrolling():
    clean = ClinicalFigures(86, 86, 32, 32, 54, 54, 32, 0, 0.016)
    bad = ClinicalFigures(86, 85, 32, 31, 54, 54, 32, 32, 0.024)
    rows = figures_rows({"baseline": clean, "backdoored": bad})
    assert list(rows[0]) == ["figure", "backdoored model", "clean model", "what it means"]
    by_figure = {r["figure"]: (r["backdoored model"], r["clean model"]) for r in rows}
    assert by_figure["Malignant read as benign, with the trigger"] == ("100.0%", "0.0%")
    assert by_figure["Accuracy on honest records"] == ("98.8%", "100.0%")
