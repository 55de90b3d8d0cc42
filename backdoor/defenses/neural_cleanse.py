"""Neural Cleanse (Wang et al., IEEE S&P 2019): reverse-engineer a trigger for every class.

Paper: https://people.cs.uchicago.edu/~ravenben/publications/pdf/backdoor-sp19.pdf.
For each class k we search for the smallest patch (a mask ``m`` and a pattern ``p``) that,
stamped on clean images of other classes, makes the model answer k. Reaching a clean
class takes a large change (whole pen strokes), but a backdoor is a shortcut: its target
needs only a patch about the size of the real trigger. So a backdoored model shows one
mask norm that is an outlier on the small side, which a robust statistic (the anomaly
index: distance from the median in median absolute deviations) picks out. Unlearning
stamps the reversed trigger on some clean images, keeps their true labels and fine-tunes,
so the model learns that the patch means nothing.

Two departures from the paper, both in ``unlearn`` (the search and the outlier test are
the paper's):

- Rounds. A reversed trigger is minimal, often only part of the real one (on the default
  BadNets scenario about 5 pixels where the checkerboard has 8 white ones), and fine-tuning
  on it alone leaves the rest of the trigger working (67-100% ASR after one round here). So
  ``unlearn`` repeats, at most ``unlearn_rounds`` times: it reverses the suspect class again
  on the patched model, adds that trigger to the mix and fine-tunes again. Once reaching
  the class takes as large a change as reaching a typical class, the shortcut is gone and
  one last round, with that trigger too, wipes out what is left (stopping right at that
  check left up to 3.8% ASR over lab seeds and search seeds 0-2; the last round, at most 1.4%).
- Shifts. The paper fine-tunes on the mix as it is; the defender here has only 500 clean
  images, which plain fine-tuning memorises (1.0-2.0 points of clean accuracy lost on lab
  seeds 0-2). Each image, stamped or not, is shifted by up to 2 pixels whenever it is seen
  (``unlearn_augment``, as Fine-Pruning's fine-tuning does): 0.4-1.0 points
  (benchmarks/RESULTS.md).

Every result depends only on the inputs and the config: the random starts, batches and
picks come from generators seeded by ``config.seed``, and the global random state is
neither read nor changed. Float sums depend on the number of CPU threads and on the kind of CPU
(oneDNN picks its kernels by instruction set), so the figures are bitwise repeatable for one thread
count on one kind of processor, not across them.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from backdoor.defenses.base import Defense
from backdoor.defenses.common import FINE_TUNE_BATCH, ProgressFn, fine_tune, model_device, no_progress
from backdoor.defenses.lab import Lab
from backdoor.defenses.trigger_search import (
    NeuralCleanseConfig, NeuralCleanseResult, _clean_subset, _frozen, _reverse_triggers, neural_cleanse, reverse_step_seconds,
    stamp_reversed,
)
from backdoor.estimates import evaluation_seconds, fine_tune_seconds, search_seconds
from backdoor.outcomes import Outcome
from backdoor.wording import and_list


def unlearn(
    model: nn.Module,
    result: NeuralCleanseResult,
    x_clean: torch.Tensor,
    y_clean: torch.Tensor,
    config: NeuralCleanseConfig = NeuralCleanseConfig(),
    on_progress: ProgressFn = no_progress,
) -> nn.Module:
    """Fine-tune the backdoor away; returns a new model (the input model is not modified).

    The suspects are the flagged classes (or, when none is flagged, the smallest-norm
    class). Each round a seeded ``unlearn_fraction`` of the clean images is stamped with
    the suspects' reversed triggers (round-robin), keeps its true labels, and the model is
    fine-tuned on the mix (each image shifted by up to 2 pixels when ``unlearn_augment``).
    Then the suspects are reversed again on the patched model and the new triggers join the
    mix for another round. Once each suspect needs a mask at least as large as the median
    of the other classes' masks the backdoor is gone, and that round is the last.

    Example::

        result = neural_cleanse(model, x_clean, y_clean, 10)
        repaired = unlearn(model, result, x_clean, y_clean)
    """
    suspects = result.flagged or [int(result.mask_norms.argmin())]
    others = [k for k in range(len(result.mask_norms)) if k not in suspects]
    typical_norm = result.mask_norms[others].quantile(0.5) if others else torch.tensor(math.inf)
    triggers = [(result.masks[k], result.patterns[k]) for k in suspects]
    gen = torch.Generator().manual_seed(config.seed)
    x_check, y_check = _clean_subset(x_clean, y_clean, config.clean_samples, gen)
    stamped_count = int(round(config.unlearn_fraction * len(x_clean)))
    fine_tune_steps = config.unlearn_epochs * math.ceil(len(x_clean) / FINE_TUNE_BATCH)
    per_round = fine_tune_steps + config.steps
    total = config.unlearn_rounds * per_round

    current, gone = model, False
    for round_index in range(config.unlearn_rounds):
        offset = round_index * per_round
        chosen = torch.randperm(len(x_clean), generator=gen)[:stamped_count]
        x_mix = x_clean.clone()
        for i, (mask, pattern) in enumerate(triggers):
            rows = chosen[i :: len(triggers)]
            x_mix[rows] = stamp_reversed(x_clean[rows], mask, pattern)
        label = f"round {round_index + 1}"

        def report(done: int, _: int, info: str) -> None:
            on_progress(offset + done, total, f"{label}: {info}")

        def check(step: int) -> None:
            on_progress(offset + fine_tune_steps + step, total, f"{label}: re-checking classes {suspects}")

        current = fine_tune(
            current, x_mix, y_clean, config.unlearn_epochs, config.unlearn_learning_rate,
            config.seed + round_index, report, augment=config.unlearn_augment,
        )
        if gone or round_index + 1 == config.unlearn_rounds:
            break
        frozen = _frozen(current)
        device = model_device(frozen)
        masks, patterns = _reverse_triggers(
            frozen, x_check.to(device), y_check.to(device), torch.tensor(suspects, device=device), config, gen, check
        )
        # Reaching every suspect now takes as large a change as reaching a typical class: the
        # shortcut is gone. One last round with these triggers too wipes out what is left of it.
        gone = bool((masks.flatten(1).sum(dim=1) >= typical_norm).all())
        triggers += list(zip(masks, patterns))
    on_progress(total, total, "unlearning done")
    return current


def run(lab: Lab, config: NeuralCleanseConfig, on_progress: ProgressFn) -> Outcome:
    """Search every class on the defender's clean images, then unlearn the suspect's trigger."""
    x, y = lab.clean
    result = neural_cleanse(lab.model, x, y, lab.dataset.num_classes, config, on_progress)
    repaired = unlearn(lab.model, result, x, y, config, on_progress)
    if result.flagged:
        detail = f"flagged class{'es' if len(result.flagged) != 1 else ''} {and_list(result.flagged)}; unlearned"
    else:
        detail = ("flagged no class; as the repair step it unlearned the most suspicious class "
                  f"({int(result.mask_norms.argmin())}) anyway")
    target = lab.scenario.target
    figures = {"search_seconds": round(result.seconds, 2), "flagged": result.flagged}
    if 0 <= target < lab.dataset.num_classes:
        figures["target_anomaly_index"] = round(float(result.anomaly_index[target]), 2)
    return Outcome(result=result, model=repaired, after=lab.evaluate(repaired), detail=detail, figures=figures)


def estimate(shape, scenario, device, config: NeuralCleanseConfig) -> float:
    rig = shape.rig(scenario.model, device)
    recheck = config.steps * reverse_step_seconds(rig, 1, config.batch_size)
    # at most ``unlearn_rounds`` rounds of fine-tuning, the suspect class searched again between two rounds
    unlearn_time = (config.unlearn_rounds * fine_tune_seconds(rig, shape.defender, config.unlearn_epochs)
                    + (config.unlearn_rounds - 1) * recheck)
    return (search_seconds(shape, scenario.model, device, config, shape.defender) + unlearn_time
            + evaluation_seconds(shape, scenario, device, shape.held_out))


DEFENSE = Defense(
    "neural_cleanse", "Neural Cleanse", "after training (inspects the model)",
    "https://people.cs.uchicago.edu/~ravenben/publications/pdf/backdoor-sp19.pdf",
    "For every class, the smallest sticker that flips clean images into that class. A backdoored class "
    "needs a suspiciously small one: the real trigger.",
    "the trigger is not a small patch (blended or warping triggers cover the whole image), or several "
    "classes are backdoored at once, which breaks the 'one outlier' statistics.",
    NeuralCleanseConfig(), run, estimate, after="after unlearning the reversed trigger",
)
