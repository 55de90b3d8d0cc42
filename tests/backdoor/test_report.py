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
    strip = Outcome("STRIP", 1.7, "as a monitor", Evaluation(0.92, 0.0), refused=0.05, monitor=True)
    page = render(_report(small_mnist, trained_pair, [strip]))
    for section in ("Conclusion", "Configuration", "Metrics", "Training", "The trigger at work", "Defenses"):
        assert f"<h2>{section}</h2>" in page
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', page)) == 3
    assert "<script" not in page and "http" not in page.split("<body>")[1].split("Generated")[0]
    assert "The one monitor run, STRIP, left attack success 0.0%" in page
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
    metrics, defenses, configuration = _tables(render(_hand_made_report([strip, clustering])))  # the settings last
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
    assert ["poison rate", "2.5%"] in _tables(render(report))[-1]  # 2.5%, not 0.025


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


def test_the_conclusion_without_poison_and_with_a_defense():
    unpoisoned = replace(_hand_made_report([]), scenario=Scenario(poison=PoisonConfig(rate=0.0)),
                         backdoored=Evaluation(0.981, 0.02))
    assert conclusion(unpoisoned) == (
        "The model trained on the lab's data (nothing poisoned) scored 98.1% on ordinary test images, 0.6 points from "
        "a model trained on clean data "
        "(98.7%): an accuracy check would have passed it. Nothing was poisoned, so there is no backdoor to find: with "
        "the trigger it gave the attacker's answer for 2.0% of the images (the clean model: 1.2%). No defense was run "
        "in this session.")
    # exactly one point apart still passes an accuracy check
    edge = conclusion(replace(_hand_made_report([]), backdoored=Evaluation(0.977, 0.964)))
    assert "97.7% on ordinary test images, 1.0 points from a model trained on clean data (98.7%): an accuracy" in edge
    same = conclusion(replace(_hand_made_report([]), backdoored=Evaluation(0.9871, 0.964)))  # both print as 98.7%
    assert "98.7% on ordinary test images, the same as a model trained on clean data (98.7%): an accuracy" in same
    pruning = Outcome("Fine-Pruning", 1.0, "after", Evaluation(0.971, 0.02))
    defended = conclusion(_hand_made_report([pruning]))
    assert defended.endswith(" (the clean model: 1.2%). Before any defense the backdoor worked on 96.4% of triggered "
                             "held-out images. The one repair run, Fine-Pruning, left attack success 2.0% and clean "
                             "accuracy 97.1% (1.0 points of clean accuracy lost).")


def test_a_model_that_only_guesses_is_never_said_to_pass_an_accuracy_check():
    """A learning rate of 1.0 trains both models to answer one class for everything: 10% on ten digits, and
    100% "attack success" when that class is the target. Neither figure may be read as usual."""
    guessed = replace(_hand_made_report([]), backdoored=Evaluation(0.102, 1.0), baseline=Evaluation(0.1, 0.0))
    assert conclusion(guessed) == (
        "The backdoored model scored 10.2% on ordinary test images, about what guessing scores (10%): it learnt "
        "nothing, and an accuracy check would reject it (a model trained on clean data: 10.0%). That it gave the "
        "attacker's answer for 100.0% of the triggered images says nothing about a backdoor: a model that answers one "
        "class for everything 'succeeds' on every triggered image without having learnt any trigger. Train it again "
        "before judging it. No defense was run in this session.")
    pruning = Outcome("Fine-Pruning", 1.0, "after", Evaluation(0.1, 1.0))
    assert conclusion(replace(guessed, defenses=[pruning])).endswith(
        "Train it again before judging it. The defenses run on it are listed below; on a model that learnt nothing "
        "their figures say as little.")
    yardstick = conclusion(replace(_hand_made_report([]), baseline=Evaluation(0.149, 1.0)))  # 14.9%: within 5 of 10
    assert yardstick.startswith("The backdoored model scored 98.1% on ordinary test images; the model trained on "
                                "clean data the same way learnt nothing (14.9%, about what guessing scores (10%)), "
                                "so it is no yardstick. With the trigger")
    assert "would have passed" not in yardstick
    learnt = conclusion(replace(_hand_made_report([]), baseline=Evaluation(0.15, 1.0)))  # 15.0%: above guessing
    assert "83.1 points above a model trained on clean data (15.0%)" in learnt


def test_an_unpoisoned_model_is_never_called_backdoored():
    unpoisoned = replace(_hand_made_report([]), scenario=Scenario(poison=PoisonConfig(rate=0.0)),
                         backdoored=Evaluation(0.975, 0.01))
    clustering = Outcome("Activation Clustering", 2.5, "after retraining", flagged=750, caught=0, poisoned=0)
    words = conclusion(replace(unpoisoned, defenses=[clustering]))
    assert words == (
        "The model trained on the lab's data (nothing poisoned) scored 97.5% on ordinary test images, 1.2 points "
        "below a model trained on clean data (98.7%). Nothing was poisoned, so there is no backdoor to find: with the "
        "trigger it gave the attacker's answer for 1.0% of the images (the clean model: 1.2%). Activation Clustering "
        "flagged 750 training images, all clean: nothing was poisoned. None of the defenses run so far has changed "
        "the model, so its attack success is unchanged.")
    assert "backdoored" not in words.lower() and words.count("Nothing was poisoned, so there is no backdoor") == 1
    pruning = Outcome("Fine-Pruning", 1.0, "after", Evaluation(0.96, 0.3))
    defended = conclusion(replace(unpoisoned, defenses=[pruning]))
    assert defended.endswith("(the clean model: 1.2%). With no backdoor to remove, what the repair changed is a side "
                             "effect, not a fix: Fine-Pruning, 1.5 points of clean accuracy lost.")
    assert "should not be trusted" not in defended
    page = render(replace(unpoisoned, defenses=[clustering]))
    assert "backdoored model" not in page
    assert _tables(page)[0][1] == ["model trained on the lab's data (nothing poisoned)", "97.5%", "1.0%"]
    # a positive rate that rounds to no poisoned image at all: the inspection's count says nothing was poisoned
    tiny = replace(unpoisoned, scenario=Scenario(poison=PoisonConfig(rate=0.00005)), defenses=[clustering])
    assert conclusion(tiny) == words
    # without such a count, the rate decides
    assert "With the trigger, it did what the attacker wanted" in conclusion(
        replace(tiny, defenses=[pruning]))
    # poisoned, and a count that says so
    found = Outcome("Activation Clustering", 2.5, "after retraining", flagged=1, caught=1, poisoned=1)
    poisoned = conclusion(_hand_made_report([found]))
    assert poisoned.startswith("The backdoored model scored 98.1%")
    assert ("Before any defense the backdoor worked on 96.4% of triggered held-out images. Activation Clustering "
            "flagged 1 training image, the only poisoned one. Remove the flagged images and retrain") in poisoned


def test_the_report_page_around_its_tables():
    clustering = Outcome("<Clustering & co>", 2.5, "after retraining", flagged=0)
    report = replace(_hand_made_report([clustering]), dataset="my-upload", held_out=1500,
                     scenario=Scenario(train=TrainConfig(augment=False)))
    page = render(report)
    assert re.search(r"<h1>Backdoor Lab: session report</h1><p>Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Every "
                     r"figure was measured by the lab\.</p>", page)
    assert "<title>Backdoor Lab report</title>" in page
    metrics, defenses, configuration = _tables(page)
    assert configuration[0] == ["data set", "my-upload"] and ["augmentation", "off"] in configuration
    assert "<p>Measured on the 1,500 held-out test images, the same images as every page of the lab.</p>" in page
    assert ("<p>Every figure on the 1,500 held-out test images. Points lost: positive means worse than the backdoored "
            "model before the defense.</p>") in page
    assert defenses[1] == ["<Clustering & co>", "unchanged", "unchanged", "", "0.0%", "2.5",
                           "<Clustering & co> flagged no training image, so it found nothing to remove. Not acted on."]
    assert "<Clustering" not in page and "&lt;Clustering &amp; co&gt;" in page  # escaped, never markup
    assert page.count("<img") == 2  # curves and examples; nothing was repaired, so no defense chart
    assert "<p>Measured on held-out test images," in render(replace(report, held_out=0))
    fixed = Outcome("Fine-Pruning", 0.25, "after <fine-tuning>", Evaluation(0.975, 0.0))
    page = render(replace(report, defenses=[fixed]))
    # 98.1% before, 97.5% after: 0.6 points lost
    assert _tables(page)[1][1] == ["Fine-Pruning", "97.5%", "0.0%", "0.6", "0.0%", "0.2", "after <fine-tuning>"]
    assert page.count("<img") == 3 and '<img alt="Chart: clean accuracy and attack success after each defense" src="data:image/png;base64,' in page


def _outside_cells(table: str) -> str:
    """What a table holds besides its tags and its cells' text (nothing, in a well-formed report)."""
    return re.sub(r"<t[hd]>.*?</t[hd]>|<[^>]+>", "", table).strip()


def test_the_reports_tables_hold_nothing_between_their_cells_and_no_defense_says_so():
    fixed = Outcome("Fine-Pruning", 0.25, "after", Evaluation(0.975, 0.0))
    flagged = Outcome("Activation Clustering", 2.5, "after retraining", flagged=0)
    for defenses in ([], [flagged], [fixed, flagged]):
        page = render(_hand_made_report(defenses))
        tables = re.findall(r"<table>.*?</table>", page, flags=re.S)
        assert len(tables) == (3 if defenses else 2)
        assert [_outside_cells(t) for t in tables] == [""] * len(tables)
        assert re.search(r"</table>[^<\s]", page) is None  # nothing straggles after a table either
    assert "<h2>Defenses</h2><p>No defense was run in this session.</p>" in render(_hand_made_report([]))
    assert "</p><table><tr><th>defense</th>" in render(_hand_made_report([flagged]))


def test_the_conclusion_compares_the_accuracies_as_printed():
    # 98.04% and 97.00% print as 98.0% and 97.0%: exactly one point apart, so the check passes
    # (compared unrounded, 1.04 points would not); the same on the backdoored side with 96.96%
    for backdoored, baseline in ((0.97, 0.9804), (0.9696, 0.98)):
        report = replace(_hand_made_report([]), backdoored=Evaluation(backdoored, 0.964),
                         baseline=Evaluation(baseline, 0.012))
        assert "1.0 points from a model trained on clean data (98.0%): an accuracy check would have passed it." in (
            conclusion(report))


# --- the figures, drawn from hand-made figures -------------------------------------------


def _lines(ax):
    return [(list(line.get_xdata()), [round(y, 6) for y in line.get_ydata()], line.get_label()) for line in ax.lines]


def test_the_training_curves_plot_each_models_records_in_points():
    import matplotlib.pyplot as plt

    from backdoor.report import _curves_figure

    nan = float("nan")
    histories = {"backdoored": [EpochRecord(1, 0.9, 0.95, 0.4, 1.0), EpochRecord(2, 0.3, 0.981, 0.964, 1.0)],
                 "baseline": [EpochRecord(1, 0.8, 0.96, nan, 1.0), EpochRecord(2, 0.2, 0.987, nan, 1.0)]}
    fig = _curves_figure(histories)
    loss, accuracy, success = fig.axes
    assert [ax.get_title() for ax in fig.axes] == ["training loss", "clean test accuracy (%)",
                                                  "attack success rate (%)"]
    assert [ax.get_xlabel() for ax in fig.axes] == ["epoch"] * 3
    assert _lines(loss) == [([1, 2], [0.9, 0.3], "Backdoored model"), ([1, 2], [0.8, 0.2], "Clean baseline")]
    assert _lines(accuracy) == [([1, 2], [95.0, 98.1], "Backdoored model"), ([1, 2], [96.0, 98.7], "Clean baseline")]
    assert _lines(success) == [([1, 2], [40.0, 96.4], "Backdoored model")]  # the clean model probed no trigger
    assert accuracy.get_ylim() == success.get_ylim() == (0, 102)  # the full percentage scale, never zoomed
    assert [t.get_text() for t in loss.get_legend().get_texts()] == ["Backdoored model", "Clean baseline"]
    assert all(line.get_marker() == "o" for ax in fig.axes for line in ax.lines)
    plt.close(fig)


def test_the_examples_show_each_image_clean_and_triggered_with_the_answers():
    import matplotlib.pyplot as plt

    from backdoor.report import _examples_figure

    grey = torch.full((2, 1, 4, 4), 0.5)
    colour = torch.full((1, 3, 4, 4), -1.0)
    report = replace(_hand_made_report([]), examples=grey, triggered=grey + 2, predictions=[("0", "3"), ("1", "7")])
    fig = _examples_figure(report)
    assert [ax.get_title() for ax in fig.axes] == ["clean: '0'", "clean: '1'", "triggered: '3'", "triggered: '7'"]
    pictures = [ax.images[0] for ax in fig.axes]
    assert [p.get_array().shape for p in pictures] == [(4, 4)] * 4  # a grey image drawn as a 2-D array
    assert [float(p.get_array().max()) for p in pictures] == [0.5, 0.5, 1.0, 1.0]  # clamped to [0, 1]
    assert all(p.get_clim() == (0, 1) and p.get_cmap().name == "gray" for p in pictures)
    assert not any(ax.axison for ax in fig.axes)
    plt.close(fig)
    fig = _examples_figure(replace(report, examples=colour, triggered=colour, predictions=[("0", "0")]))
    assert fig.axes[0].images[0].get_array().shape == (4, 4, 3) and float(fig.axes[0].images[0].get_array().max()) == 0
    plt.close(fig)


def test_the_defense_chart_places_each_repair_by_its_attack_success_and_accuracy():
    import matplotlib.pyplot as plt

    from backdoor.report import _defense_figure

    strip = Outcome("STRIP", 1.7, "as a monitor", Evaluation(0.92, 0.0), refused=0.05)
    clustering = Outcome("Activation Clustering", 2.5, "after retraining", flagged=400)
    fig = _defense_figure(_hand_made_report([strip, clustering]))
    ax = fig.axes[0]
    assert [[round(v, 6) for v in c.get_offsets()[0]] for c in ax.collections] == [[96.4, 98.1], [0.0, 92.0]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no defense", "STRIP"]
    assert ax.get_xlabel() == "attack success rate (%)" and ax.get_ylabel() == "clean accuracy (%)"
    assert ax.get_xlim() == (-5, 105) and ax.get_ylim() == (87.0, 101)  # 5 points below the lowest, 92%
    first, second = (c.get_paths()[0].vertices.tolist() for c in ax.collections)
    assert first != second  # each point its own marker
    plt.close(fig)
    ruined = Outcome("Fine-Pruning", 1.0, "after", Evaluation(0.03, 0.0))
    fig = _defense_figure(_hand_made_report([ruined]))
    assert fig.axes[0].get_ylim() == (0.0, 101)  # never below 0%
    plt.close(fig)


def test_a_figure_becomes_an_embedded_png_and_is_closed():
    import base64

    import matplotlib.pyplot as plt

    from backdoor.report import _png

    fig, _ = plt.subplots()
    url = _png(fig)
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    assert not plt.fignum_exists(fig.number)


def test_the_report_leads_with_its_conclusion_and_keeps_the_settings_for_the_end():
    page = render(_hand_made_report([]))
    order = [page.index(f"<h2>{s}</h2>") for s in ("Conclusion", "Metrics", "The trigger at work", "Defenses",
                                                    "Configuration", "Training")]
    assert order == sorted(order)
