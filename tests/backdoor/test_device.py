"""The compute device: auto falls back to the CPU."""

import pytest

from backdoor.device import available_devices, resolve_device


def test_device_choice_falls_back_to_cpu():
    assert available_devices()[0] == "auto" and "cpu" in available_devices()
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in {"cuda", "mps", "cpu"}
    with pytest.raises(ValueError):
        resolve_device("tpu")
