"""Model files in and out: weights only, never code.

A model someone uploads is untrusted. Python's pickle (what ``torch.save`` writes) can
run any code while it is being read, so a pickled model is opened only by
``torch.load(weights_only=True)``, which accepts tensors and plain containers and refuses
everything else before it can run. A safetensors file holds tensors and nothing else.
Either way the weights must fit an architecture from the registry exactly: the same
layer names and shapes, finite floating-point numbers. Anything else is refused with a
``ModelRejected`` whose message says what was wrong.

The lab's own models download as safetensors, so a student can take one home and
audit it here again.
"""

from __future__ import annotations

import io
import json
import pickle
import re
import struct

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import nn

from backdoor.wording import agree, count_of
from models import MODELS, build_model, compatible_models

MAX_BYTES = 20 * 1024 * 1024  # the lab's models are under 2 MB; the server's upload limit matches
ZIP_MAGIC = b"PK\x03\x04"  # torch.save's format since PyTorch 1.6
PICKLE_MAGIC = b"\x80"  # a bare pickle (protocol 2 or later), torch.save's legacy format
NESTED = ("state_dict", "model_state_dict", "model")  # common wrappers around a state_dict


class ModelRejected(ValueError):
    """The file cannot be used as weights for the chosen architecture; the message says why."""


def to_safetensors(model: nn.Module) -> bytes:
    """The model's weights as a safetensors file (tensors only, loadable anywhere)."""
    state = {name: t.detach().cpu().contiguous() for name, t in model.state_dict().items()}
    return save_safetensors(state)


def read_weights(data: bytes) -> dict[str, torch.Tensor]:
    """Parse an uploaded file into a dict of named tensors, running no code."""
    if not data:
        raise ModelRejected("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ModelRejected(f"The file is {len(data) / 1e6:.1f} MB; model files up to {MAX_BYTES // 2**20} MB "
                            "are accepted.")
    if _looks_like_safetensors(data):
        try:
            state = load_safetensors(data)
        except (SafetensorError, ValueError, RuntimeError) as error:
            raise ModelRejected(f"This safetensors file is damaged: {error}") from None
    elif data.startswith(ZIP_MAGIC) or data.startswith(PICKLE_MAGIC):
        state = _torch_load_weights_only(data)
    else:
        raise ModelRejected("This is neither a safetensors file nor a PyTorch weights file (.pt or .pth saved "
                            "with torch.save). Upload the model's state_dict in one of those formats.")
    return _tensors_only(state)


def _looks_like_safetensors(data: bytes) -> bool:
    """An 8-byte little-endian header length, then a JSON object of that length."""
    if len(data) < 10:
        return False
    (length,) = struct.unpack("<Q", data[:8])
    if not 2 <= length <= len(data) - 8:
        return False
    try:
        return isinstance(json.loads(data[8 : 8 + length]), dict)
    except ValueError:
        return False


def _torch_load_weights_only(data: bytes):
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        asks = re.search(r"GLOBAL ([\w.]+)", str(error))
        raise ModelRejected(
            "This file contains Python objects, not just weights"
            + (f" (it asks for {asks.group(1)})" if asks else "")
            + ", and was refused unread: loading it could run code on the server. Save only the weights "
            "(torch.save(model.state_dict(), 'model.pt')) or use safetensors."
        ) from None
    except Exception as error:  # noqa: BLE001 - truncated or corrupt: a message, never a crash
        raise ModelRejected(f"This PyTorch file could not be read ({type(error).__name__}); it may be damaged.") from None


def _tensors_only(state) -> dict[str, torch.Tensor]:
    """Unwrap one level of the usual wrappers, and insist on name -> tensor."""
    if isinstance(state, dict):
        for key in NESTED:
            if key in state and isinstance(state[key], dict):
                state = state[key]
                break
    if not isinstance(state, dict) or not state:
        raise ModelRejected("The file holds no weights (expected a state_dict: layer names mapped to tensors).")
    bad = [str(k) for k, v in state.items() if not (isinstance(k, str) and isinstance(v, torch.Tensor))]
    if bad:
        raise ModelRejected(f"Not a state_dict: {count_of(len(bad), 'entry', 'entries')} "
                            f"{agree(len(bad), 'is not a named tensor', 'are not named tensors')} (first: {bad[0][:60]!r}).")
    return state


def model_from_weights(state: dict[str, torch.Tensor], architecture: str, image_shape: tuple[int, int, int],
                       num_classes: int) -> nn.Module:
    """Build ``architecture`` for this data set and load ``state`` into it, strictly."""
    fitting = compatible_models(image_shape)
    if architecture not in fitting:
        raise ModelRejected(f"Unknown architecture {architecture!r}; choose one of {', '.join(fitting)}.")
    model = build_model(architecture, image_shape, num_classes)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    extra = [k for k in state if k not in expected]
    title = MODELS[architecture].title
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{count_of(len(missing), 'layer')} missing (first: {missing[0]})")
        if extra:
            parts.append(f"{count_of(len(extra), 'unexpected entry', 'unexpected entries')} (first: {extra[0][:60]})")
        raise ModelRejected(f"These weights do not belong to the {title}: {'; '.join(parts)}. Pick the "
                            "architecture the model was trained as.")
    for name, want in expected.items():
        got = state[name]
        if tuple(got.shape) != tuple(want.shape):
            raise ModelRejected(
                f"Layer {name} has shape {tuple(got.shape)}, but the {title} for this data set "
                f"({count_of(image_shape[0], 'colour channel')}, {image_shape[1]}x{image_shape[2]} pixels, "
                f"{num_classes} classes) "
                f"needs {tuple(want.shape)}. Was it trained on another data set?")
        if want.is_floating_point() and not got.is_floating_point():
            raise ModelRejected(f"Layer {name} holds {got.dtype} numbers; weights must be floating point.")
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise ModelRejected(f"Layer {name} contains NaN or infinite values: this model is broken.")
    model.load_state_dict({k: state[k].to(expected[k].dtype) for k in expected}, strict=True)
    return model.eval()
