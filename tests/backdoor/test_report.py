"""The downloadable HTML report: its sections, its embedded figures, its conclusion."""

import re

from backdoor.metrics import Evaluation, predict
from backdoor.outcomes import Outcome
from backdoor.report import SessionReport, conclusion, render
from backdoor.scenario import trigger_report


def _report(small_mnist, trained_pair, defenses):
    scenario, backdoored, baseline = trained_pair
    bd = trigger_report(backdoored.model, small_mnist, scenario)
    base = trigger_report(baseline.model, small_mnist, scenario)
    examples = small_mnist.x_test[small_mnist.y_test != 0][:4]
    triggered = scenario.stamp(examples)
    preds = [(small_mnist.classes[int(a)], small_mnist.classes[int(b)])
             for a, b in zip(predict(backdoored.model, examples), predict(backdoored.model, triggered))]
    return SessionReport("mnist-5k", small_mnist.classes, scenario, Evaluation(bd["clean_acc"], bd["asr"]),
                         Evaluation(base["clean_acc"], base["asr"]),
                         {"backdoored": backdoored.history, "baseline": baseline.history},
                         examples, triggered, preds, defenses)


def test_report_has_its_sections_and_embedded_figures(small_mnist, trained_pair):
    strip = Outcome("STRIP", 1.7, "as a monitor", Evaluation(0.92, 0.0), refused=0.05)
    page = render(_report(small_mnist, trained_pair, [strip]))
    for section in ("Conclusion", "Configuration", "Metrics", "Training", "The trigger at work", "Defenses"):
        assert f"<h2>{section}</h2>" in page
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', page)) == 3
    assert "<script" not in page and "http" not in page.split("<body>")[1].split("Generated")[0]
    assert "The one repair run, STRIP, left attack success 0.0%" in page
    assert "refusing 5.0% of honest requests" in page


def test_conclusion_reads_the_numbers(small_mnist, trained_pair):
    report = _report(small_mnist, trained_pair, [])
    words = conclusion(report)
    assert f"{report.backdoored.asr:.1%}" in words and "No defense was run" in words
    assert "No defense was run in this session." in render(report)
