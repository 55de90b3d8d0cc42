"""A self-contained HTML report of a session: the conclusion first, then the figures, the defenses, and the
settings that reproduce them last (a reader who is not technical stops before those).

Figures are drawn with matplotlib and embedded as base64 PNG, so the single file opens
anywhere, offline, with no scripts. Every number in it is passed in, measured by the lab.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from backdoor.attacks import ATTACKS  # noqa: E402
from backdoor.datasets import DATASETS  # noqa: E402
from backdoor.kinds import LABELS, labels  # noqa: E402
from backdoor.metrics import Evaluation, only_guesses  # noqa: E402
from backdoor.outcomes import Outcome, defenses_reading, detection_sentence, known_poisoned, reading  # noqa: E402
from backdoor.scenario import Scenario  # noqa: E402
from backdoor.train import EpochRecord  # noqa: E402
from backdoor.wording import ONE_ANSWER, chance  # noqa: E402
from models import MODELS  # noqa: E402


@dataclass(frozen=True)
class SessionReport:
    dataset: str
    classes: tuple[str, ...]
    scenario: Scenario
    backdoored: Evaluation  # on the held-out test images, like every figure in the lab
    baseline: Evaluation
    histories: dict[str, list[EpochRecord]]  # model kind -> per-epoch records
    examples: torch.Tensor  # (N, C, H, W) clean test images
    triggered: torch.Tensor  # the same with the trigger
    predictions: list[tuple[str, str]]  # (backdoored model on clean, on triggered), per example
    defenses: list[Outcome] = field(default_factory=list)  # every defense run on the backdoored model
    held_out: int = 0  # how many held-out test images the figures are measured on


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _curves(histories: dict[str, list[EpochRecord]], names: dict[str, str] = LABELS) -> str:
    return _png(_curves_figure(histories, names))


def _curves_figure(histories: dict[str, list[EpochRecord]], names: dict[str, str] = LABELS):
    fig, axes = plt.subplots(1, 3, figsize=(11, 3))
    for kind, history in histories.items():
        name = names[kind]
        epochs = [r.epoch for r in history]
        axes[0].plot(epochs, [r.loss for r in history], marker="o", label=name)
        axes[1].plot(epochs, [100 * r.clean_acc for r in history], marker="o", label=name)
        asr = [100 * r.asr for r in history]
        if not all(math.isnan(a) for a in asr):
            axes[2].plot(epochs, asr, marker="o", label=name)
    for ax, title in zip(axes, ("training loss", "clean test accuracy (%)", "attack success rate (%)")):
        ax.set_title(title)
        ax.set_xlabel("epoch")
    for ax in axes[1:]:  # percentages on a full 0-100 scale: a zoomed axis makes 0.2 points look like a cliff
        ax.set_ylim(0, 102)
    axes[0].legend()
    fig.tight_layout()
    return fig


def _examples(report: SessionReport) -> str:
    return _png(_examples_figure(report))


def _examples_figure(report: SessionReport):
    n = len(report.examples)
    fig, axes = plt.subplots(2, n, figsize=(1.6 * n, 3.6), squeeze=False)
    for i in range(n):
        for row, (images, label) in enumerate(((report.examples, "clean"), (report.triggered, "triggered"))):
            image = images[i].permute(1, 2, 0).clamp(0, 1).numpy()
            ax = axes[row][i]
            ax.imshow(image.squeeze(-1) if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{label}: '{report.predictions[i][row]}'", fontsize=8)
            ax.axis("off")
    return fig


def _defense_chart(report: SessionReport) -> str:
    return _png(_defense_figure(report))


def _defense_figure(report: SessionReport):
    fig, ax = plt.subplots(figsize=(7, 3.6))
    points = [("no defense", report.backdoored)] + [(d.title, d.after) for d in report.defenses if d.repaired]
    for (name, ev), marker in zip(points, "osD^vP*Xph"):
        ax.scatter(100 * ev.asr, 100 * ev.clean_acc, s=60, marker=marker, label=name)
    ax.set_xlabel("attack success rate (%)")
    ax.set_ylabel("clean accuracy (%)")
    ax.set_xlim(-5, 105)
    low = min(100 * ev.clean_acc for _, ev in points)
    ax.set_ylim(max(0.0, low - 5), 101)  # never zoomed to a fraction of a point
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))  # a legend, so labels never collide
    return fig


def _defenses_on_nothing(defenses: list[Outcome] | None) -> str:
    """What the conclusion adds about the defenses run on a model that learnt nothing."""
    if defenses is None:
        return ""
    if not defenses:
        return " No defense was run in this session."
    return " The defenses run on it are listed below; on a model that learnt nothing their figures say as little."


def findings(bd: Evaluation, base: Evaluation, poisoned: bool, classes: int,
             defenses: list[Outcome] | None = None) -> str:
    """The backdoored model against the clean one in plain words, from their measured figures
    (the report's conclusion, and the board brief's numbers). ``poisoned`` False: nothing was
    poisoned, so the model has no backdoor and is never called backdoored. A model that only guesses
    (``only_guesses``, out of ``classes``) learnt nothing: neither an accuracy check nor its attack success
    is read as if it had."""
    model = "The backdoored model" if poisoned else "The model trained on the lab's data (nothing poisoned)"
    gap = abs(round(100 * base.clean_acc, 1) - round(100 * bd.clean_acc, 1))
    guessing = f"about what guessing scores ({chance(classes)})"
    if only_guesses(bd.clean_acc, classes):
        return (f"{model} scored {bd.clean_acc:.1%} on ordinary test images, {guessing}: it learnt nothing, and "
                f"an accuracy check would reject it (a model trained on clean data: {base.clean_acc:.1%}). That it "
                f"gave the attacker's answer for {bd.asr:.1%} of the triggered images says nothing about a backdoor: "
                f"{ONE_ANSWER}. Train it again before judging it."
                + _defenses_on_nothing(defenses))
    if only_guesses(base.clean_acc, classes):
        accuracy = (f"{model} scored {bd.clean_acc:.1%} on ordinary test images; the model trained on clean data the "
                    f"same way learnt nothing ({base.clean_acc:.1%}, {guessing}), so it is no yardstick.")
    elif gap <= 1.0:
        apart = "the same as" if gap == 0 else f"{gap:.1f} points from"
        accuracy = (f"{model} scored {bd.clean_acc:.1%} on ordinary test images, {apart} a "
                    f"model trained on clean data ({base.clean_acc:.1%}): an accuracy check would have passed it.")
    else:
        accuracy = (f"{model} scored {bd.clean_acc:.1%} on ordinary test images, {gap:.1f} points "
                    f"{'below' if bd.clean_acc < base.clean_acc else 'above'} a model trained on clean data "
                    f"({base.clean_acc:.1%}).")
    if not poisoned:
        trigger = (f" Nothing was poisoned, so there is no backdoor to find: with the trigger it gave the attacker's "
                   f"answer for {bd.asr:.1%} of the images (the clean model: {base.asr:.1%}).")
    else:
        trigger = (f" With the trigger, it did what the attacker wanted for {bd.asr:.1%} of the images it was aimed at "
                   f"(the clean model: {base.asr:.1%}).")
    if defenses is None:
        return accuracy + trigger
    if not defenses:
        return accuracy + trigger + " No defense was run in this session."
    # unpoisoned, the sentence above already says there is no backdoor: the reading goes straight to the defenses
    said = reading(bd, defenses, poisoned) if poisoned else defenses_reading(bd, defenses, poisoned)
    return accuracy + trigger + " " + said


def was_poisoned(report: SessionReport) -> bool:
    """Whether any training image was poisoned: the count a data inspection measured where one was
    run (a tiny positive rate can round to no image at all), else the poison rate."""
    known = known_poisoned(report.defenses)
    return report.scenario.poison.rate > 0 if known is None else known


def conclusion(report: SessionReport) -> str:
    """The session in plain words, from its own numbers."""
    return findings(report.backdoored, report.baseline, was_poisoned(report), len(report.classes), report.defenses)


def render(report: SessionReport) -> str:
    """The report as one HTML document."""
    s = report.scenario
    ours = "backdoored model" if was_poisoned(report) else "model trained on the lab's data (nothing poisoned)"
    target = s.target_phrase(report.classes)
    title = DATASETS[report.dataset].title if report.dataset in DATASETS else report.dataset
    config = [("data set", title), ("model", MODELS[s.model].title), ("attack", ATTACKS[s.attack].title),
              ("trigger", repr(s.trigger)), ("poison rate", f"{s.poison.rate:.1%}"), ("target", target),
              ("epochs", str(s.train.epochs)), ("batch size", str(s.train.batch_size)),
              ("learning rate", str(s.train.learning_rate)), ("augmentation", "on" if s.train.augment else "off"),
              ("mixup alpha", str(s.train.mixup)), ("seed", str(s.data_seed))]
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in config)
    metrics = "".join(
        f"<tr><td>{name}</td><td>{ev.clean_acc:.1%}</td><td>{ev.asr:.1%}</td></tr>"
        for name, ev in ((ours, report.backdoored), ("clean baseline", report.baseline))
    )
    where = f"on the {report.held_out:,} held-out test images" if report.held_out else "on held-out test images"
    defense_html = "<p>No defense was run in this session.</p>"
    if report.defenses:
        before = report.backdoored
        body = "".join(
            f"<tr><td>{html.escape(d.title)}</td><td>{d.after.clean_acc:.1%}</td><td>{d.after.asr:.1%}</td>"
            f"<td>{d.cost(before):.1f}</td><td>{d.refused:.1%}</td><td>{d.seconds:.1f}</td><td>{html.escape(d.note)}</td></tr>"
            if d.repaired else
            f"<tr><td>{html.escape(d.title)}</td><td>unchanged</td><td>unchanged</td><td></td><td>0.0%</td>"
            f"<td>{d.seconds:.1f}</td><td>{html.escape(detection_sentence(d))} Not acted on.</td></tr>"
            for d in report.defenses)
        chart = (f'<img alt="Chart: clean accuracy and attack success after each defense" '
                 f'src="{_defense_chart(report)}">') if any(d.repaired for d in report.defenses) else ""
        defense_html = (f"<p>Every figure {where}. Points lost: positive means worse than the {ours} "
                        "before the defense.</p>"
                        "<table><tr><th>defense</th><th>clean accuracy after</th><th>attack success after</th>"
                        "<th>clean accuracy lost (points)</th><th>honest requests refused</th>"
                        f"<th>seconds</th><th>measured</th></tr>{body}</table>{chart}")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backdoor Lab report</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}}table{{border-collapse:collapse;margin:1em 0}}
th,td{{border:1px solid #ccc;padding:4px 8px;text-align:left}}img{{max-width:100%}}</style></head><body>
<h1>Backdoor Lab: session report</h1><p>Generated {when}. Every figure was measured by the lab.</p>
<h2>Conclusion</h2><p>{html.escape(conclusion(report))}</p>
<h2>Metrics</h2><p>Measured {where}, the same images as every page of the lab.</p><p>Clean accuracy: the share of
ordinary images answered correctly. Attack success: the share of triggered images sent where the attacker wants.</p>
<table><tr><th>model</th><th>clean accuracy</th><th>attack success</th></tr>{metrics}</table>
<h2>The trigger at work</h2><p>Test images without and with the trigger, and what the {ours} answered.</p>
<img alt="Test images, each shown without and with the trigger, with the answer of the {ours} under each" src="{_examples(report)}">
<h2>Defenses</h2>{defense_html}
<h2>Configuration</h2><p>For the technical team: the settings that reproduce every figure above.</p><table>{rows}</table>
<h2>Training</h2><img alt="Training curves: accuracy and attack success per pass through the training data, for both models" src="{_curves(report.histories, labels(was_poisoned(report)))}">
</body></html>
"""
