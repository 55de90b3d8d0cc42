"""The defense registry: what each defense is, when it runs, and what it cannot do.

Pages build their menus and plain-language panels from this; the defenses themselves
live one per file in this package.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefenseSpec:
    name: str
    title: str
    stage: str  # when in a model's life it runs
    paper: str
    looks_at: str
    fails_when: str
    needs_training_data: bool = False  # inspects the (poisoned) training set, so it cannot audit a model file
    # What its "after" figures measure, in words; None when it repairs nothing (it only
    # studies the model), so it is never listed or ranked among the repairs.
    after: str | None = None


DEFENSES: dict[str, DefenseSpec] = {
    d.name: d
    for d in [
        DefenseSpec(
            "activation_clustering", "Activation Clustering", "before the model is trusted (inspects the training data)",
            "https://arxiv.org/abs/1811.03728",
            "How the model's last hidden layer reacts to each training image, class by class: poisoned images "
            "form their own tight group inside the target class.",
            "the poison blends in with its class (clean-label attacks), or the attacker spreads it thinly over "
            "many classes so no class shows a separate group.",
            needs_training_data=True, after="after removing the flagged samples and retraining",
        ),
        DefenseSpec(
            "spectral_signatures", "Spectral Signatures", "before the model is trusted (inspects the training data)",
            "https://arxiv.org/abs/1811.00636",
            "The one direction along which each class's hidden representations vary most: poison pulls that "
            "direction towards itself, so the images far along it are removed.",
            "the poisoned images' representations are not separable from clean ones (adaptive attacks), or the "
            "defender's guess of the poisoned fraction is far off.",
            needs_training_data=True, after="after removing the flagged samples and retraining",
        ),
        DefenseSpec(
            "neural_cleanse", "Neural Cleanse", "after training (inspects the model)",
            "https://people.cs.uchicago.edu/~ravenben/publications/pdf/backdoor-sp19.pdf",
            "For every class, the smallest sticker that flips clean images into that class. A backdoored class "
            "needs a suspiciously small one: the real trigger.",
            "the trigger is not a small patch (blended or warping triggers cover the whole image), or several "
            "classes are backdoored at once, which breaks the 'one outlier' statistics.",
            after="after unlearning the reversed trigger",
        ),
        DefenseSpec(
            "fine_pruning", "Fine-Pruning", "after training (repairs the model)",
            "https://arxiv.org/abs/1805.12185",
            "Which channels of the last convolution layer stay quiet on clean images; those are cut, then the "
            "model is fine-tuned on a little clean data (each image shifted slightly every time it is seen).",
            "the backdoor shares its channels with the real task, so the cut alone barely touches it (as here: "
            "the trigger still works after pruning, and it is the fine-tuning that wipes it out), or the attacker "
            "trained the backdoor to survive pruning and fine-tuning.",
            after="after pruning and fine-tuning",
        ),
        DefenseSpec(
            "strip", "STRIP", "at serving time (screens each input)",
            "https://arxiv.org/abs/1902.06531",
            "How sure the model stays when each incoming image is blended with random clean images: a triggered "
            "image keeps its answer whatever is mixed in, so its predictions have unusually low entropy.",
            "the trigger is fragile to blending (faint or warping triggers), or the attacker makes the backdoor "
            "depend on the input so blended copies stop firing it.",
            after="served through the monitor (a refused honest request counts as not answered correctly)",
        ),
        DefenseSpec(
            "compression", "Pruning and quantization", "when the model is compressed for deployment",
            "https://arxiv.org/abs/1510.00149",
            "Whether the backdoor survives what deployment does anyway: 8-bit weights and removing the "
            "smallest weights.",
            "almost always: compression keeps what matters for clean accuracy, and the backdoor rides along. "
            "It is not a defense, and this shows why.",
        ),
    ]
}
