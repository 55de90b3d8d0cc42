"""What the serving-time monitors (STRIP, SCALE-UP) share: the inputs they screen, the figures of a
model served through them, and what screening costs."""

from __future__ import annotations

from typing import Callable, Hashable

import torch
from torch import nn

from backdoor import timing
from backdoor.attacks import attack_labels, attackable
from backdoor.defenses.common import Evaluation, ProgressFn, model_device
from backdoor.defenses.lab import Lab
from backdoor.estimates import evaluation_seconds
from backdoor.metrics import predict


def score_sets(sets: dict[str, torch.Tensor], score: Callable[[torch.Tensor, ProgressFn], torch.Tensor],
               on_progress: ProgressFn) -> list[torch.Tensor]:
    """``score(x, report)`` of each named set of inputs in turn, progress counted over them all
    (``(inputs done, all inputs, "<set name>: <info>")``)."""
    total = sum(len(x) for x in sets.values())
    scores, offset = [], 0
    for name, x in sets.items():

        def report(done: int, _: int, info: str, offset: int = offset, name: str = name) -> None:
            on_progress(offset + done, total, f"{name}: {info}")

        scores.append(score(x, report))
        offset += len(x)
    return scores


def triggered_held_out(lab: Lab) -> tuple[torch.Tensor, torch.Tensor]:
    """Which held-out images the attack tries to move, and those images with the trigger on."""
    x_eval, y_eval = lab.held_out
    movable = attackable(y_eval, lab.scenario.target)
    return movable, lab.scenario.stamp(x_eval, lab.dataset.held_out_objects)[movable]


def served(lab: Lab, movable: torch.Tensor, triggered: torch.Tensor, clean_served: torch.Tensor,
           triggered_served: torch.Tensor) -> Evaluation:
    """The held-out figures behind the monitor: a refused input gets no answer, so it counts as
    neither correct (clean) nor hijacked (triggered)."""
    x_eval, y_eval = lab.held_out
    device = model_device(lab.model)
    clean_ok = (predict(lab.model, x_eval, device) == y_eval) & clean_served
    goal = attack_labels(y_eval[movable], lab.scenario.target, lab.dataset.num_classes)
    hijacked = (predict(lab.model, triggered, device) == goal) & triggered_served
    return Evaluation(float(clean_ok.float().mean()), float(hijacked.float().mean()))


def screening_estimate(shape, scenario, device, per_input: float) -> float:
    """Seconds to screen the defender's and the held-out images, clean and triggered (``per_input``
    seconds each), then classify the held-out ones."""
    triggered = shape.moved(shape.held_out, scenario.target)
    return (shape.defender + shape.held_out + triggered) * per_input + evaluation_seconds(
        shape, scenario, device, shape.held_out)


def screening_seconds(key: Hashable, rig: timing.Rig, screen: Callable[[nn.Module, torch.Tensor], object]) -> float:
    """Seconds per input of ``screen(model, images)`` on ``rig``, measured once per ``key`` on this machine."""

    def measure() -> float:
        model, (x, _) = rig.build().eval(), rig.images(200)
        return timing.per_item(lambda: screen(model, x), len(x))

    return timing.MEASURED.get(key, measure)
