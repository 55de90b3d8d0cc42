"""Adversarial Neuron Pruning (Wu & Wang 2021): cut the neurons that break under small weight noise.

Paper: https://arxiv.org/abs/2110.14430. A backdoored model is fragile: shake each neuron's
weights a little, in the worst direction, and the neurons that carry the backdoor push clean
images towards the attacker's class. ANP gives every neuron a mask m in [0, 1] and learns the
masks on the defender's clean images so that the model stays right even under that worst-case
shake; the neurons whose masks fall low are the fragile ones, and they are pruned. Fine-Pruning
(``fine_pruning.py``) looks for neurons that are *quiet* on clean images; ANP looks for neurons
that are *fragile*, whatever their activity, and needs no fine-tuning afterwards.

Each step, as in the paper (Algorithm 1):

- the inner step perturbs neuron k's weights by w_k (m_k + delta_k) and its bias by
  b_k (m_k + xi_k), with |delta|, |xi| <= eps: from a random start, one signed-gradient step of
  size eps that *raises* the clean loss;
- the outer step *lowers* alpha L(masks) + (1 - alpha) L(masks, perturbed) over the masks
  (SGD with momentum), then clips them to [0, 1].

Afterwards every neuron whose mask is below ``threshold`` is pruned (its output set to zero); the
others keep their original weights.

Where this departs from the paper and its reference code:

- The paper perturbs and masks the neurons of BatchNorm layers. The lab's default small CNN has
  no BatchNorm, so a neuron here is an output channel of each convolution and a unit of each
  hidden dense layer (the output layer's units are the classes and are left alone); where a
  BatchNorm follows a layer (the colour CNN) its channels are the neurons, as in the paper.
- The mask multiplies a neuron's bias as well as its weights, so a mask of 0 silences the neuron
  exactly as the pruning does (the reference masks a BatchNorm's scale only).
- The model stays in eval mode while the masks are learnt (BatchNorm uses its running statistics,
  no dropout), so the result depends only on the inputs and the seed.
- Fewer, smaller mask updates (``steps`` 100 of 64 images by default, instead of 2,000 of 128) so it
  runs in seconds on a CPU; the batches are drawn from the defender's clean images with a seeded
  generator.

What it does on the lab's default scenario (benchmarks/RESULTS.md, ``defenses``): next to nothing
to the backdoor. Under the worst-case noise at eps 0.4 the backdoored small CNN sends 0.5% of the
other classes' clean images to the target class, not the pull towards the target that the paper
describes, because the neurons that carry the trigger sit silent (below ReLU's zero) on clean images, and a relative change of their weights
cannot wake them; no gradient of the clean loss reaches them. And the backdoor is spread over about
45 of fc1's 128 units: even pruning chosen with the trigger in hand (which a defender lacks) cost 9
points of clean accuracy to bring ASR down to 39%. So ANP prunes 8 to 12 fragile neurons
of 224 at under a point's cost and the trigger still works: the lesson is when this defense fails.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from backdoor import timing
from backdoor.defenses.base import Defense
from backdoor.defenses.common import Evaluation, ProgressFn, model_device, no_progress, private_copy
from backdoor.defenses.lab import Lab
from backdoor.estimates import evaluation_seconds
from backdoor.outcomes import Outcome
from models import layer

NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


@dataclass(frozen=True)
class AnpConfig:
    """Args:
        eps: the largest relative change of a neuron's weights and bias the perturbation may make.
        alpha: weight of the unperturbed clean loss against the perturbed one (the paper's trade-off).
        steps: mask updates, each on one batch of the defender's clean images.
        batch_size: clean images per update.
        learning_rate, momentum: SGD on the masks.
        threshold: neurons whose mask ends below this are pruned.
        seed: fixes the batches and the perturbations' random starts.
    """

    eps: float = 0.4
    alpha: float = 0.2
    steps: int = 100
    batch_size: int = 64
    learning_rate: float = 0.2
    momentum: float = 0.9
    threshold: float = 0.2
    seed: int = 0


@dataclass(frozen=True)
class Neuron:
    layer: str
    index: int
    mask: float


@dataclass(frozen=True, eq=False)
class AnpResult:
    model: nn.Module  # the pruned copy
    neurons: list[Neuron]  # every neuron with its learnt mask, lowest mask first
    pruned: list[Neuron]  # those below the threshold
    threshold: float
    eps: float  # the largest relative change of a neuron's weights the masks were learnt under
    after: Evaluation  # on the held-out images
    seconds: float

    @property
    def pruned_fraction(self) -> float:
        return len(self.pruned) / max(len(self.neurons), 1)


def neuron_layers(model: nn.Module) -> list[str]:
    """The modules whose output channels are ANP's neurons: every convolution and hidden dense
    layer (the last dense layer gives the classes' scores), or the BatchNorm right after it."""
    named = list(model.named_modules())
    weighted = [i for i, (_, m) in enumerate(named) if isinstance(m, (nn.Conv2d, nn.Linear))]
    names = []
    for i in weighted[:-1]:
        name, module = named[i]
        width = module.out_channels if isinstance(module, nn.Conv2d) else module.out_features
        after = named[i + 1][1] if i + 1 < len(named) else None
        names.append(named[i + 1][0] if isinstance(after, NORMS) and after.num_features == width else name)
    return names


class NeuronMasks:
    """Masks and perturbations on the neurons of ``layers``, applied by forward hooks.

    A neuron's output o_k = w_k * x + b_k becomes (m_k + delta_k)(o_k - b_k) + (m_k + xi_k) b_k: the
    same as scaling its weights by (m_k + delta_k) and its bias by (m_k + xi_k), for a convolution,
    a dense layer or a BatchNorm (whose scale and shift play the weights and bias)."""

    def __init__(self, model: nn.Module, layers: list[str]):
        self.modules = [layer(model, name) for name in layers]
        widths = [self._width(module) for module in self.modules]
        device = model_device(model)  # on the model's own device (a GPU's model: masks on the GPU)
        self.masks = [torch.ones(w, device=device, requires_grad=True) for w in widths]
        self.delta = [torch.zeros(w, device=device, requires_grad=True) for w in widths]
        self.xi = [torch.zeros(w, device=device, requires_grad=True) for w in widths]
        self.perturbed = False
        self.handles = [m.register_forward_hook(self._hook(k)) for k, m in enumerate(self.modules)]

    @staticmethod
    def _width(module: nn.Module) -> int:
        if isinstance(module, NORMS):
            return module.num_features
        return module.out_channels if isinstance(module, nn.Conv2d) else module.out_features

    def _hook(self, k: int):
        def hook(module, _inputs, out):
            shape = (1, out.shape[1]) + (1,) * (out.dim() - 2)
            bias = module.bias.view(shape) if module.bias is not None else out.new_zeros(shape)
            scale_w, scale_b = self.masks[k], self.masks[k]
            if self.perturbed:
                scale_w, scale_b = scale_w + self.delta[k], scale_b + self.xi[k]
            return scale_w.view(shape) * (out - bias) + scale_b.view(shape) * bias
        return hook

    def noise(self) -> list[torch.Tensor]:
        return self.delta + self.xi

    def worst_noise(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float,
                    generator: torch.Generator) -> None:
        """The inner step: from a random start in [-eps, eps], one signed step of size eps up the
        clean loss, kept within [-eps, eps]; the model is left perturbed by it."""
        with torch.no_grad():
            for noise in self.noise():
                # drawn on the CPU from the seeded generator (the same draws on every device), then moved
                noise.copy_(torch.rand(noise.shape, generator=generator) * 2 * eps - eps)
        self.perturbed = True
        grads = torch.autograd.grad(F.cross_entropy(model(x), y), self.noise())
        with torch.no_grad():
            for noise, grad in zip(self.noise(), grads):
                noise.add_(eps * grad.sign()).clamp_(-eps, eps)

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def _batches(count: int, batch_size: int, steps: int, generator: torch.Generator):
    """``steps`` batches of indices, passing through a fresh shuffle of the images each time round."""
    order: list[int] = []
    for _ in range(steps):
        if len(order) < batch_size:
            order += torch.randperm(count, generator=generator).tolist()
        yield torch.tensor(order[:batch_size])
        order = order[batch_size:]


def learn_masks(model: nn.Module, x: torch.Tensor, y: torch.Tensor, config: AnpConfig = AnpConfig(),
                on_progress: ProgressFn = no_progress) -> list[Neuron]:
    """Every neuron of ``model`` with the mask ANP learns for it on the clean images (x, y),
    lowest first (ties in the model's order)."""
    model = private_copy(model)
    for p in model.parameters():
        p.requires_grad_(False)
    device = model_device(model)
    layers = neuron_layers(model)
    neurons = NeuronMasks(model, layers)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.SGD(neurons.masks, lr=config.learning_rate, momentum=config.momentum)
    try:
        for step, rows in enumerate(_batches(len(x), config.batch_size, config.steps, generator), start=1):
            xb, yb = x[rows].to(device), y[rows].to(device)
            if config.eps > 0:
                neurons.worst_noise(model, xb, yb, config.eps, generator)
            # outer step: loss = alpha L(masks) + (1 - alpha) L(masks, perturbed), lowered over the masks
            neurons.perturbed = False
            loss = config.alpha * F.cross_entropy(model(xb), yb)
            if config.eps > 0:
                neurons.perturbed = True
                loss = loss + (1 - config.alpha) * F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                for mask in neurons.masks:
                    mask.clamp_(0, 1)
            on_progress(step, config.steps, f"learning neuron masks, step {step} of {config.steps}")
    finally:
        neurons.remove()
    found = [Neuron(name, i, float(v)) for name, mask in zip(layers, neurons.masks) for i, v in enumerate(mask.detach())]
    return sorted(found, key=lambda n: n.mask)


@torch.no_grad()
def prune_neurons(model: nn.Module, neurons: list[Neuron]) -> nn.Module:
    """A copy of ``model`` in which each of ``neurons`` always outputs zero (weights and bias zeroed)."""
    pruned = private_copy(model)
    for n in neurons:
        module = layer(pruned, n.layer)
        module.weight[n.index] = 0
        if module.bias is not None:
            module.bias[n.index] = 0
    return pruned


def anp(model: nn.Module, x_clean: torch.Tensor, y_clean: torch.Tensor, evaluate_after, config: AnpConfig = AnpConfig(),
        on_progress: ProgressFn = no_progress) -> AnpResult:
    """Learn the masks on the defender's clean images (x_clean, y_clean), prune below the threshold,
    and measure the pruned copy with ``evaluate_after`` (the held-out figures)."""
    if len(y_clean) == 0:
        raise ValueError("ANP learns its masks on the defender's clean images, and there are none here: keep "
                         "some test images for the defender.")
    start = time.perf_counter()
    neurons = learn_masks(model, x_clean, y_clean, config, on_progress)
    pruned = [n for n in neurons if n.mask < config.threshold]
    repaired = prune_neurons(model, pruned)
    return AnpResult(repaired, neurons, pruned, config.threshold, config.eps, evaluate_after(repaired),
                     time.perf_counter() - start)


def run(lab: Lab, config: AnpConfig, on_progress: ProgressFn) -> Outcome:
    """Masks learnt on the defender's clean images; pruned copy measured on the held-out ones."""
    x, y = lab.clean
    result = anp(lab.model, x, y, lab.evaluate, config, on_progress)
    return Outcome(result=result, model=result.model, after=result.after,
                   detail=f"pruned {len(result.pruned)} of {len(result.neurons)} neurons whose masks fell below "
                          f"{config.threshold:g} under adversarial weight noise",
                   figures={"pruned": len(result.pruned), "neurons": len(result.neurons),
                            "threshold": config.threshold})


def update_seconds(rig: timing.Rig, config: AnpConfig) -> float:
    """One mask update of ``learn_masks`` (the worst noise, then the masks' step), measured on this machine.
    (Counted as two training steps, forward and back for the noise and for the masks, it read 1.2-1.6
    times short: the hooks on every neuron layer cost more than a plain step.)"""

    def measure() -> float:
        steps = timing.WARM_STEPS + timing.TIMED_STEPS + 1
        x, y = rig.images(config.batch_size * 4)
        timed = AnpConfig(eps=config.eps, alpha=config.alpha, steps=steps, batch_size=config.batch_size,
                          learning_rate=config.learning_rate, momentum=config.momentum)
        return timing.step_times(lambda tick: learn_masks(rig.build(), x, y, timed, lambda *_: tick()))

    return timing.MEASURED.get(("anp_update", rig, config.batch_size, config.eps > 0), measure)


def estimate(shape, scenario, device, config: AnpConfig) -> float:
    rig = shape.rig(scenario.model, device)
    return config.steps * update_seconds(rig, config) + evaluation_seconds(shape, scenario, device, shape.held_out)


DEFENSE = Defense(
    "anp", "ANP (Adversarial Neuron Pruning)", "after training (repairs the model)",
    "https://arxiv.org/abs/2110.14430",
    "Which neurons break the model on clean images when their weights are shaken slightly in the worst "
    "direction: each neuron gets a mask learnt on a little clean data under that shake, and the neurons "
    "whose masks fall low are cut. No fine-tuning follows.",
    "the trigger's neurons sit silent on clean images, so shaking them changes nothing the clean images can "
    "show, and the backdoor is spread over many neurons the real task also uses (as here: the cut costs under a "
    "point and the trigger still works), or the attacker trained the backdoor to survive such noise.",
    AnpConfig(), run, estimate, after="after pruning the fragile neurons",
)
