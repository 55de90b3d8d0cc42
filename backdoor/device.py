"""Which device to compute on: CUDA, then Apple MPS, then the CPU, unless the user says."""

from __future__ import annotations

import torch

AUTO = "auto"


def available_devices() -> list[str]:
    """Choices for the sidebar: "auto" first, then every device this machine has."""
    devices = [AUTO, "cpu"]
    if torch.cuda.is_available():
        devices.insert(1, "cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.insert(1, "mps")
    return devices


def resolve_device(choice: str = AUTO) -> torch.device:
    """The device for a sidebar choice; "auto" picks the fastest one present."""
    if choice == AUTO:
        choice = available_devices()[1]
    if choice not in available_devices():
        raise ValueError(f"Device {choice!r} is not available here.")
    return torch.device(choice)
