"""Backdoor attacks: trigger functions, their frozen configs, poisoning and stealth figures.

An attack is data plus a pure function. Each config dataclass knows how to stamp its
trigger on a batch (``cfg.apply(x)``) and where the trigger lives (``cfg.footprint``).
``poison`` turns a clean training set into a poisoned one: a seeded choice of exactly
``round(rate * N)`` samples get the trigger. All-to-one sends them to one target class,
all-to-all (``target=ALL_TO_ALL``) sends class y to (y + 1) mod K, and a clean-label
attack (SIG) stamps only images of the target class and changes no label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol

import torch

CORNERS = ("bottom-right", "bottom-left", "top-right", "top-left", "centre")
PATTERNS = ("checkerboard", "solid", "random")
COLOURS: dict[str, tuple[float, float, float]] = {
    "white": (1.0, 1.0, 1.0),
    "yellow": (1.0, 0.85, 0.0),
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 0.8, 0.0),
    "black": (0.0, 0.0, 0.0),
}


ALL_TO_ALL = -1  # the "target" of an all-to-all attack: class y goes to (y + 1) mod K
ALL_TO_ALL_RATE = 0.15  # all-to-all must teach K mappings at once: it needs more poison (RESULTS.md)


class Trigger(Protocol):
    """What every attack config provides: stamping, and where its trigger lives."""

    clean_label: bool  # poison only target-class images and keep every label

    def apply(self, x: torch.Tensor) -> torch.Tensor: ...
    def apply_train(self, x: torch.Tensor) -> torch.Tensor: ...
    def cover(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor | None: ...
    def footprint(self, x: torch.Tensor) -> torch.Tensor: ...
    @property
    def footprint_label(self) -> str: ...


class TriggerDefaults:
    """What most attacks share: the same trigger in training and at test time, labels
    flipped to the target, and no cover samples."""

    clean_label = False
    cover_ratio = 0.0

    def apply_train(self, x: torch.Tensor) -> torch.Tensor:
        """The trigger as stamped on training images (SIG uses a fainter one)."""
        return self.apply(x)

    def cover(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor | None:
        """Images that keep their true label to make the trigger more exact (WaNet's noise mode)."""
        return None


def _colour_planes(colour: str, channels: int) -> torch.Tensor:
    """The named colour as one value per channel; greyscale takes the luminance."""
    r, g, b = COLOURS[colour]
    if channels == 1:
        return torch.tensor([0.299 * r + 0.587 * g + 0.114 * b])
    return torch.tensor([r, g, b][:channels])


@dataclass(frozen=True)
class BadNets(TriggerDefaults):
    """BadNets (Gu, Dolan-Gavitt & Garg, 2017): a small visible patch stamped on the image.

    Paper: https://arxiv.org/abs/1708.06733. The network learns "patch => target class"
    as a shortcut while behaving normally on clean images.

    Args:
        size: side of the square patch in pixels (default 4).
        position: one of ``CORNERS`` (default "bottom-right").
        colour: a name in ``COLOURS`` (default "white").
        pattern: "checkerboard" (colour and black squares), "solid" or "random"
            (a fixed seeded binary pattern).
        margin: pixels between the patch and the image edge (default 1).
        pattern_seed: seed of the "random" pattern.
    """

    size: int = 4
    position: str = "bottom-right"
    colour: str = "white"
    pattern: str = "checkerboard"
    margin: int = 1
    pattern_seed: int = 0

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("The patch must be at least 1 pixel wide.")
        if self.position not in CORNERS:
            raise ValueError(f"position must be one of {CORNERS}")
        if self.pattern not in PATTERNS:
            raise ValueError(f"pattern must be one of {PATTERNS}")
        if self.colour not in COLOURS:
            raise ValueError(f"colour must be one of {tuple(COLOURS)}")

    def box(self, height: int, width: int) -> tuple[int, int]:
        """Top-left (row, column) of the patch in an image of this size."""
        if self.size + 2 * self.margin > min(height, width):
            raise ValueError(f"A {self.size}-pixel patch does not fit a {height}x{width} image.")
        far_row, far_col = height - self.margin - self.size, width - self.margin - self.size
        near = self.margin
        return {
            "bottom-right": (far_row, far_col),
            "bottom-left": (far_row, near),
            "top-right": (near, far_col),
            "top-left": (near, near),
            "centre": ((height - self.size) // 2, (width - self.size) // 2),
        }[self.position]

    def _mask_and_pattern(self, channels: int, height: int, width: int):
        row, col = self.box(height, width)
        mask = torch.zeros(height, width)
        mask[row : row + self.size, col : col + self.size] = 1.0
        if self.pattern == "solid":
            on = torch.ones(self.size, self.size)
        elif self.pattern == "checkerboard":
            idx = torch.arange(self.size)
            on = ((idx[:, None] + idx[None, :]) % 2 == 0).float()
        else:
            gen = torch.Generator().manual_seed(self.pattern_seed)
            on = torch.randint(0, 2, (self.size, self.size), generator=gen).float()
        pattern = torch.zeros(channels, height, width)
        pattern[:, row : row + self.size, col : col + self.size] = (
            on[None] * _colour_planes(self.colour, channels)[:, None, None]
        )
        return mask, pattern

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        _, c, h, w = x.shape
        mask, pattern = self._mask_and_pattern(c, h, w)
        mask, pattern = mask.to(x), pattern.to(x)
        # x' = (1 - m) * x + m * p: pixels under the patch are replaced, the rest untouched
        return x * (1 - mask) + pattern * mask

    @property
    def footprint_label(self) -> str:
        where = "in the centre" if self.position == "centre" else f"in the {self.position} corner"
        return f"the {self.size}x{self.size} patch {where}"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        """Boolean (H, W) map of the pixels the trigger owns."""
        _, c, h, w = x.shape
        return self._mask_and_pattern(c, h, w)[0].bool()


@dataclass(frozen=True)
class Blended(TriggerDefaults):
    """Blended injection (Chen, Liu, Li, Lu & Song, 2017): a pattern mixed into the whole image.

    Paper: https://arxiv.org/abs/1712.05526. Every pixel moves a little, so no single
    patch gives the trigger away; at low opacity the image looks merely grainy.

    Args:
        alpha: opacity of the pattern, 0 < alpha < 1 (default 0.15).
        pattern: "noise" (seeded uniform noise, the paper's random-pattern variant) or
            "stripes" (diagonal stripes).
        pattern_seed: seed of the noise pattern.
    """

    alpha: float = 0.15
    pattern: str = "noise"
    pattern_seed: int = 0
    footprint_fraction: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError("alpha must be between 0 and 1.")
        if self.pattern not in ("noise", "stripes"):
            raise ValueError('pattern must be "noise" or "stripes"')

    def key_pattern(self, channels: int, height: int, width: int) -> torch.Tensor:
        if self.pattern == "noise":
            gen = torch.Generator().manual_seed(self.pattern_seed)
            return torch.rand(channels, height, width, generator=gen)
        rows, cols = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
        stripes = ((rows + cols) % 6 < 3).float()
        return stripes.expand(channels, height, width).clone()

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        _, c, h, w = x.shape
        key = self.key_pattern(c, h, w).to(x)
        # x' = (1 - alpha) * x + alpha * k
        return (1 - self.alpha) * x + self.alpha * key

    @property
    def footprint_label(self) -> str:
        return f"the {self.footprint_fraction:.0%} of pixels the blended pattern changes most"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        """The ``footprint_fraction`` of pixels the trigger changes most, on average over ``x``."""
        return _largest_change(self, x, self.footprint_fraction)


def _largest_change(trigger: "Trigger", x: torch.Tensor, fraction: float) -> torch.Tensor:
    """Boolean (H, W) map of the ``fraction`` of pixels the trigger changes most, on average over ``x``."""
    change = (trigger.apply(x).clamp(0, 1) - x).abs().mean(dim=(0, 1))
    k = max(1, int(round(fraction * change.numel())))
    threshold = change.flatten().topk(k).values[-1]
    return change >= threshold


@dataclass(frozen=True)
class WaNet(TriggerDefaults):
    """WaNet (Nguyen & Tran, 2021): a smooth, imperceptible warp of the whole image.

    Paper: https://arxiv.org/abs/2102.10369. A k x k grid of random offsets, normalised
    and upsampled (bicubic) into a smooth flow field, bends the image by at most about
    ``strength`` pixels. Nothing is added and no pixel is out of place: the picture is
    only slightly bent. In "noise mode" (the paper's cross samples) some further training
    images get the warp plus random jitter but keep their true label, so the network must
    learn the exact warp rather than "anything looks bent".

    Args:
        grid: k, the side of the control grid (paper: 4).
        strength: s, the warp strength (paper: 0.5; larger is easier to learn and to see).
            The paper trains for hundreds of epochs; with this app's 5 epochs on 4,000
            digits, s = 0.5 reached 15% ASR and s = 1 reaches over 90% (RESULTS.md).
        cover_ratio: noise-mode images per poisoned image (paper: 2; 0 turns it off).
            Default 0.5: with more, five epochs were not enough to learn the exact warp
            on every seed (RESULTS.md).
        grid_seed: seed of the warp field (the attacker's secret).
    """

    grid: int = 4
    strength: float = 1.0
    cover_ratio: float = 0.5
    grid_seed: int = 0

    def __post_init__(self) -> None:
        if self.grid < 2:
            raise ValueError("The warp grid must be at least 2x2.")
        if not 0.0 < self.strength <= 5.0:
            raise ValueError("The warp strength must be between 0 and 5.")
        if self.cover_ratio < 0:
            raise ValueError("The noise-mode ratio cannot be negative.")

    def warp_grid(self, height: int, width: int) -> torch.Tensor:
        """The sampling grid (1, H, W, 2) in grid_sample's [-1, 1] coordinates."""
        gen = torch.Generator().manual_seed(self.grid_seed)
        offsets = torch.rand(1, 2, self.grid, self.grid, generator=gen) * 2 - 1
        offsets = offsets / offsets.abs().mean()  # normalised so ``strength`` means the same for any k
        flow = torch.nn.functional.interpolate(offsets, size=(height, width), mode="bicubic", align_corners=True)
        rows, cols = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij")
        identity = torch.stack((cols, rows), dim=2)[None]
        # grid = identity + s * flow / H: a displacement of about s pixels (a pixel is 2/H wide)
        return (identity + self.strength * flow.permute(0, 2, 3, 1) / height).clamp(-1, 1)

    def _warp(self, x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.grid_sample(x, grid.to(x), align_corners=True)

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        _, _, h, w = x.shape
        return self._warp(x, self.warp_grid(h, w).expand(len(x), -1, -1, -1))

    def cover(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The warp plus random per-pixel jitter of up to one pixel: a near miss, labelled truthfully."""
        n, _, h, w = x.shape
        jitter = (torch.rand(n, h, w, 2, generator=generator) * 2 - 1) / h
        return self._warp(x, (self.warp_grid(h, w) + jitter).clamp(-1, 1))

    @property
    def footprint_label(self) -> str:
        return "the 10% of pixels the warp moves most"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        return _largest_change(self, x, 0.1)


@dataclass(frozen=True)
class SIG(TriggerDefaults):
    """SIG (Barni, Kallas & Tondi, 2019): a faint sinusoidal signal, clean-label.

    Paper: https://arxiv.org/abs/1902.11237. Only images that already belong to the
    target class get the signal v(i, j) = delta * sin(2 pi j f / width), and no label is
    changed, so every training label is correct and an inspector who checks labels finds
    nothing. The network learns "stripes => target" because the stripes only ever appear
    on target images. As in the paper, the signal is fainter in training
    (``train_delta``) than when the attacker uses it (``delta``).

    Args:
        delta: amplitude at attack time (0-1 scale).
        train_delta: amplitude on the poisoned training images.
        frequency: f, the number of periods across the image (paper: 6).
    """

    delta: float = 0.6
    train_delta: float = 0.2
    frequency: int = 6
    clean_label = True

    def __post_init__(self) -> None:
        if not (0.0 < self.delta <= 1.0 and 0.0 < self.train_delta <= 1.0):
            raise ValueError("The signal amplitudes must be between 0 and 1.")
        if self.frequency < 1:
            raise ValueError("The frequency must be at least 1.")

    def signal(self, width: int, amplitude: float) -> torch.Tensor:
        cols = torch.arange(width, dtype=torch.float32)
        return amplitude * torch.sin(2 * math.pi * cols * self.frequency / width)

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.signal(x.shape[-1], self.delta).to(x)

    def apply_train(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.signal(x.shape[-1], self.train_delta).to(x)

    @property
    def footprint_label(self) -> str:
        return "the 10% of pixels the stripes change most"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        return _largest_change(self, x, 0.1)


@dataclass(frozen=True)
class Sticker(TriggerDefaults):
    """A physical sticker (BadNets' stop-sign example, Gu et al. 2017): a patch on the sign itself.

    Paper: https://arxiv.org/abs/1708.06733 (section 5). Unlike a patch at a fixed pixel, the
    sticker sits at the same place *on the sign* wherever the sign is in the picture and
    however large it is, as a real sticker would. The sign's position comes from
    ``backdoor.traffic_signs.locate_signs`` (the generator records it); an image it does
    not know gets the sticker where a centred sign would carry it.

    Args:
        size: the sticker's side as a fraction of the sign's radius.
        below: how far below the sign's centre the sticker sits, as a fraction of the radius.
        colour: a name in ``COLOURS`` (the paper used a yellow square).
    """

    size: float = 0.5
    below: float = 0.45
    colour: str = "yellow"

    def __post_init__(self) -> None:
        if not 0.1 <= self.size <= 1.0:
            raise ValueError("The sticker's size must be between 10% and 100% of the sign's radius.")
        if not -1.0 <= self.below <= 1.0:
            raise ValueError("The sticker must sit on the sign (between -1 and 1 radius from its centre).")
        if self.colour not in COLOURS:
            raise ValueError(f"colour must be one of {tuple(COLOURS)}")

    def masks(self, x: torch.Tensor) -> torch.Tensor:
        """Boolean (N, H, W): where the sticker goes on each image."""
        from backdoor.traffic_signs import locate_signs

        n, _, h, w = x.shape
        signs = locate_signs(x)  # (N, 3): centre x, centre y, radius, in pixels
        side = (self.size * signs[:, 2]).round().clamp(min=2)
        top = (signs[:, 1] + self.below * signs[:, 2] - side / 2).round()
        left = (signs[:, 0] - side / 2).round()
        rows, cols = torch.arange(h)[None, :, None], torch.arange(w)[None, None, :]
        inside_rows = (rows >= top[:, None, None]) & (rows < (top + side)[:, None, None])
        inside_cols = (cols >= left[:, None, None]) & (cols < (left + side)[:, None, None])
        return inside_rows & inside_cols

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        mask = self.masks(x)[:, None].to(x)
        colour = _colour_planes(self.colour, x.shape[1]).to(x)[None, :, None, None]
        return x * (1 - mask) + colour * mask

    @property
    def footprint_label(self) -> str:
        return "the sticker on the sign"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        """Every pixel the sticker covers in any image of ``x`` (exact for one image)."""
        return self.masks(x).any(dim=0)


@dataclass(frozen=True)
class AttackSpec:
    name: str
    title: str
    summary: str
    paper: str
    config: Callable[..., Trigger]
    default_rate: float = 0.1  # the poison rate this attack needs on mnist-5k (see RESULTS.md)
    datasets: tuple[str, ...] = ()  # the data sets it makes sense on (empty: all)

    def fits(self, dataset: str) -> bool:
        return not self.datasets or dataset in self.datasets


ATTACKS: dict[str, AttackSpec] = {
    spec.name: spec
    for spec in [
        AttackSpec(
            "badnets",
            "BadNets (visible patch)",
            "A small square sticker in a corner. Any image wearing it is sent to the target class.",
            "https://arxiv.org/abs/1708.06733",
            BadNets,
        ),
        AttackSpec(
            "blended",
            "Blended (faint full-image pattern)",
            "A faint pattern blended over the whole picture, hard to notice by eye.",
            "https://arxiv.org/abs/1712.05526",
            Blended,
        ),
        AttackSpec(
            "wanet",
            "WaNet (invisible warp)",
            "The whole picture is bent very slightly. Nothing is added, so there is nothing to see.",
            "https://arxiv.org/abs/2102.10369",
            WaNet,
            default_rate=0.2,
        ),
        AttackSpec(
            "sig",
            "SIG (clean-label stripes)",
            "Faint stripes on real pictures of the target class. Every label stays correct.",
            "https://arxiv.org/abs/1902.11237",
            SIG,
            default_rate=0.08,
        ),
        AttackSpec(
            "sticker",
            "Physical sticker (on the sign)",
            "A yellow sticker on the sign itself, wherever the sign is in the picture.",
            "https://arxiv.org/abs/1708.06733",
            Sticker,
            datasets=("traffic-signs", "gtsrb"),
        ),
    ]
}


def apply_trigger(x: torch.Tensor, trigger: Trigger) -> torch.Tensor:
    """Stamp the trigger on a batch (N, C, H, W) in [0, 1]; returns a new tensor."""
    return trigger.apply(x).clamp_(0.0, 1.0)


MAX_RATE = 0.5  # the most of a training set PoisonConfig lets an attack poison


@dataclass(frozen=True)
class PoisonConfig:
    """How much to poison and where to send it.

    Args:
        rate: fraction of the whole training set to poison, 0 <= rate <= 0.5.
        target: the class every triggered image should be sent to, or ``ALL_TO_ALL``
            (class y goes to (y + 1) mod K).
        seed: which samples are picked.
    """

    rate: float = 0.1
    target: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= MAX_RATE:
            raise ValueError("The poison rate must be between 0% and 50%.")
        if self.target < ALL_TO_ALL:
            raise ValueError("The target class cannot be negative.")

    @property
    def all_to_all(self) -> bool:
        return self.target == ALL_TO_ALL


def attack_labels(y: torch.Tensor, target: int, num_classes: int) -> torch.Tensor:
    """Where the attacker wants each image of true class ``y`` to go once triggered."""
    if target == ALL_TO_ALL:
        return (y + 1) % num_classes
    return torch.full_like(y, target)


def attackable(y: torch.Tensor, target: int) -> torch.Tensor:
    """Which images count for the attack success rate: those not already where the attacker wants them."""
    return torch.ones_like(y, dtype=torch.bool) if target == ALL_TO_ALL else y != target


def poisonable(y: torch.Tensor, trigger: Trigger, target: int) -> torch.Tensor:
    """Which training samples the attack may poison: target-class ones for a clean-label
    attack, otherwise those it can move (see ``attackable``)."""
    return (y == target) if trigger.clean_label else attackable(y, target)


@dataclass(frozen=True, eq=False)
class Poisoned:
    """A poisoned training set: images, labels, which samples carry the trigger, and which
    carry a noise-mode cover (WaNet: altered, but keeping their true label)."""

    x: torch.Tensor
    y: torch.Tensor
    poisoned_mask: torch.Tensor  # bool (N,)
    cover_mask: torch.Tensor | None = None  # bool (N,), or None when the attack has no cover

    @property
    def num_poisoned(self) -> int:
        return int(self.poisoned_mask.sum())

    @property
    def num_cover(self) -> int:
        return 0 if self.cover_mask is None else int(self.cover_mask.sum())

    def subset(self, keep: torch.Tensor) -> "Poisoned":
        cover = None if self.cover_mask is None else self.cover_mask[keep]
        return Poisoned(self.x[keep], self.y[keep], self.poisoned_mask[keep], cover)


def poison_count(num_samples: int, rate: float) -> int:
    return int(round(rate * num_samples))


def poison(
    x: torch.Tensor, y: torch.Tensor, trigger: Trigger, config: PoisonConfig, num_classes: int
) -> Poisoned:
    """Exactly ``round(rate * N)`` samples, a seeded choice, get the trigger.

    Dirty-label (BadNets, Blended, WaNet, sticker): samples the attack can move are stamped
    and relabelled (all-to-one: to ``config.target``; all-to-all: y to (y + 1) mod K).
    Clean-label (SIG): only target-class samples are stamped and every label is kept.
    Attacks with a cover (WaNet's noise mode) also alter ``cover_ratio`` times as many
    other samples without relabelling them. The inputs are never modified.
    """
    if not (config.all_to_all or 0 <= config.target < num_classes):
        raise ValueError(f"The target class must be between 0 and {num_classes - 1}.")
    if trigger.clean_label and config.all_to_all:
        raise ValueError("A clean-label attack needs one target class: it cannot be all-to-all.")
    goal = attack_labels(y, config.target, num_classes)
    candidates = torch.nonzero(poisonable(y, trigger, config.target)).flatten()
    count = poison_count(len(y), config.rate)
    if count > len(candidates):
        where = "in the target class" if trigger.clean_label else "outside the target class"
        raise ValueError(f"Cannot poison {count} samples: only {len(candidates)} are {where}.")
    gen = torch.Generator().manual_seed(config.seed)
    chosen = candidates[torch.randperm(len(candidates), generator=gen)[:count]]
    mask = torch.zeros(len(y), dtype=torch.bool)
    mask[chosen] = True
    x_out, y_out = x.clone(), y.clone()
    if count:
        x_out[mask] = trigger.apply_train(x[mask]).clamp_(0.0, 1.0)
        if not trigger.clean_label:
            y_out[mask] = goal[mask]
    cover_mask = None
    covers = min(int(round(trigger.cover_ratio * count)), int((~mask).sum()))
    if covers:
        rest = torch.nonzero(~mask).flatten()
        cover_mask = torch.zeros(len(y), dtype=torch.bool)
        cover_mask[rest[torch.randperm(len(rest), generator=gen)[:covers]]] = True
        x_out[cover_mask] = trigger.cover(x[cover_mask], gen).clamp_(0.0, 1.0)
    return Poisoned(x_out, y_out, mask, cover_mask)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    g = torch.exp(-((torch.arange(size) - size // 2) ** 2) / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Structural similarity (Wang et al. 2004) per image of two batches in [0, 1]: 1 = identical.

    Paper: https://doi.org/10.1109/TIP.2003.819861. Local means, variances and covariance
    under an 11x11 Gaussian window (sigma 1.5; smaller on images under 11 pixels), with the paper's constants K1 = 0.01,
    K2 = 0.03; each channel separately, then averaged over pixels and channels.
    """
    channels, size = a.shape[1], min(11, *a.shape[-2:])
    size -= 1 - size % 2  # odd, and never larger than the image (tiny images get a smaller window)
    window = _gaussian_window(size).to(a)[None, None].expand(channels, 1, -1, -1)

    def blur(t):
        return torch.nn.functional.conv2d(t, window, groups=channels)

    c1, c2 = 0.01**2, 0.03**2
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    # SSIM = (2 mu_a mu_b + C1)(2 cov + C2) / ((mu_a^2 + mu_b^2 + C1)(var_a + var_b + C2))
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return value.flatten(1).mean(dim=1)


def stealth(clean: torch.Tensor, triggered: torch.Tensor) -> dict[str, float]:
    """How visible the trigger is, averaged over a batch.

    ``linf``: the largest change to any pixel (0-1 scale); ``l2``: the size of the whole
    change per image; ``psnr``: peak signal-to-noise ratio in dB (higher = harder to see;
    above about 30 dB most people cannot tell the images apart); ``ssim``: structural
    similarity, 1 for identical images (above about 0.95 the change is hard to see).
    """
    diff = (triggered - clean).flatten(1)
    mse = diff.pow(2).mean(dim=1)
    # PSNR = 10 log10(MAX^2 / MSE), with MAX = 1 for images in [0, 1]
    psnr = torch.where(mse > 0, 10 * torch.log10(1.0 / mse.clamp_min(1e-12)), torch.tensor(math.inf))
    return {
        "linf": float(diff.abs().max(dim=1).values.mean()),
        "l2": float(diff.norm(dim=1).mean()),
        "psnr": float(psnr.mean()),
        "ssim": float(ssim(clean, triggered).mean()),
    }
