"""The downloadable HTML report: its sections, its embedded figures, its conclusion."""

import re
from dataclasses import replace
from html.parser import HTMLParser

import torch

from backdoor.attacks import BadNets, PoisonConfig
from backdoor.metrics import Evaluation, predict
from backdoor.outcomes import Outcome
from backdoor.report import SessionReport, conclusion, render
from backdoor.scenario import Scenario, trigger_report
from backdoor.train import EpochRecord, TrainConfig


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


class _Tables(HTMLParser):
    """Every <table> of a page as a list of rows, each a list of its cells' texts."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _tables(page: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _hand_made_report(defenses) -> SessionReport:
    """A session whose every figure is written here, so the report's tables can be checked by hand."""
    scenario = Scenario(trigger=BadNets(size=3), poison=PoisonConfig(rate=0.1, target=3, seed=7), data_seed=7,
                        train=TrainConfig(epochs=2, batch_size=32, learning_rate=0.001, augment=True, mixup=0.2))
    history = [EpochRecord(1, 0.9, 0.95, 0.4, 1.0), EpochRecord(2, 0.3, 0.981, 0.964, 1.0)]
    examples = torch.zeros(2, 1, 28, 28)
    return SessionReport("mnist-5k", tuple("0123456789"), scenario,
                         backdoored=Evaluation(0.981, 0.964), baseline=Evaluation(0.987, 0.012),
                         histories={"backdoored": history, "baseline": history}, examples=examples,
                         triggered=examples + 1, predictions=[("0", "3"), ("1", "3")], defenses=defenses,
                         held_out=500)


def test_the_reports_tables_give_each_label_its_own_figure():
    strip = Outcome("STRIP", 1.7, "as a monitor", Evaluation(0.92, 0.0), refused=0.05)
    clustering = Outcome("Activation Clustering", 2.5, "after retraining", flagged=400, caught=399, poisoned=400)
    configuration, metrics, defenses = _tables(render(_hand_made_report([strip, clustering])))
    assert configuration == [
        ["data set", "MNIST digits (offline)"], ["model", "Small CNN (2 conv layers)"],
        ["attack", "BadNets (visible patch)"],
        ["trigger", "BadNets(size=3, position='bottom-right', colour='white', pattern='checkerboard', margin=1, "
                    "pattern_seed=0)"],
        ["poison rate", "10.0%"], ["target", "'3'"], ["epochs", "2"], ["batch size", "32"],
        ["learning rate", "0.001"], ["augmentation", "on"], ["mixup alpha", "0.2"], ["seed", "7"],
    ]
    assert metrics == [["model", "clean accuracy", "attack success"],
                       ["backdoored model", "98.1%", "96.4%"],
                       ["clean baseline", "98.7%", "1.2%"]]
    assert defenses[0][:6] == ["defense", "clean accuracy after", "attack success after",
                               "clean accuracy lost (points)", "honest requests refused", "seconds"]
    # STRIP: 98.1% before, 92.0% after: 6.1 points lost, 5.0% of honest requests refused
    assert defenses[1] == ["STRIP", "92.0%", "0.0%", "6.1", "5.0%", "1.7", "as a monitor"]
    assert defenses[2] == ["Activation Clustering", "unchanged", "unchanged", "", "0.0%", "2.5",
                           "Activation Clustering flagged 400 training images, 399 of the 400 poisoned ones and "
                           "1 clean one. Not acted on."]
    assert len(defenses) == 3


def test_the_reports_poison_rate_is_a_percentage():
    report = replace(_hand_made_report([]), scenario=Scenario(poison=PoisonConfig(rate=0.025)))
    assert ["poison rate", "2.5%"] in _tables(render(report))[0]  # 2.5%, not 0.025


def test_the_conclusion_on_hand_made_figures():
    # 98.7% - 98.1% = 0.6 points: within one point, so an accuracy check would have passed it
    close = conclusion(_hand_made_report([]))
    assert close == ("The backdoored model scored 98.1% on ordinary test images, 0.6 points from a model trained on "
                     "clean data (98.7%): an accuracy check would have passed it. With the trigger, it did what the "
                     "attacker wanted for 96.4% of the images it was aimed at (the clean model: 1.2%). No defense "
                     "was run in this session.")
    # 95.0% against 98.7%: 3.7 points below; 99.9% against 98.7%: 1.2 points above
    below = conclusion(replace(_hand_made_report([]), backdoored=Evaluation(0.95, 0.964)))
    above = conclusion(replace(_hand_made_report([]), backdoored=Evaluation(0.999, 0.964)))
    assert "scored 95.0% on ordinary test images, 3.7 points below a model trained on clean data (98.7%)." in below
    assert "scored 99.9% on ordinary test images, 1.2 points above a model trained on clean data (98.7%)." in above
