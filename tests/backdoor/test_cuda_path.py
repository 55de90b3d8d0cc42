"""The CUDA path, where a GPU is present (the lent GPU machine; benchmarks/RESULTS.md, "gpu", says when it
last ran): "auto" picks the GPU, the default scenario learns its backdoor there as on the CPU, every
registered defense runs on a GPU model without changing it, attributions come back on the CPU, and a
GPU-trained model's file reads back on a laptop. Skipped where there is no GPU (this laptop, CI): every
other test is the CPU path."""

from __future__ import annotations

import pytest
import torch

from backdoor.datasets import load_dataset
from backdoor.defenses.lab import Lab
from backdoor.defenses.registry import DEFENSES
from backdoor.device import resolve_device
from backdoor.explain import attribute, methods_for
from backdoor.metrics import evaluate
from backdoor.model_files import model_from_weights, read_weights, to_safetensors
from backdoor.scenario import Scenario, poisoned_training_set, train_model
from models import MODELS

pytestmark = [pytest.mark.trains,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="the CUDA path needs a GPU")]


@pytest.fixture(scope="module")
def on_gpu():
    """The default scenario on the real digits, trained on the GPU and on the CPU from the same seed."""
    digits = load_dataset("mnist-5k")
    scenario = Scenario()
    poisoned = poisoned_training_set(digits, scenario)
    gpu = train_model(digits, scenario, "cuda", training_set=poisoned)
    cpu = train_model(digits, scenario, "cpu", training_set=poisoned)
    return digits, scenario, poisoned, gpu, cpu


def weights(model) -> dict[str, torch.Tensor]:
    return {name: value.detach().cpu().clone() for name, value in model.state_dict().items()}


def test_auto_picks_the_gpu():
    assert resolve_device().type == "cuda"


def test_the_default_scenario_learns_its_backdoor_on_the_gpu_as_on_the_cpu(on_gpu):
    _, _, _, gpu, cpu = on_gpu
    assert {p.device.type for p in gpu.model.parameters()} == {"cuda"}
    # not bit for bit (other kernels, other float sums), but the same lesson within a point or two
    assert abs(gpu.final.clean_acc - cpu.final.clean_acc) <= 0.02, (gpu.final, cpu.final)
    assert gpu.final.clean_acc >= 0.9 and gpu.final.asr >= 0.9, gpu.final


def test_every_defense_runs_on_a_gpu_model_and_leaves_it_as_it_was(on_gpu):
    digits, scenario, poisoned, gpu, _ = on_gpu
    before = weights(gpu.model)
    lab = Lab(digits, scenario, gpu.model, "cuda-path", poisoned)
    ran = []
    for name, defense in DEFENSES.items():
        if "image" not in defense.modalities:
            continue
        outcome = defense.apply(lab)
        ran.append(name)
        if outcome.model is not None:
            assert {p.device.type for p in outcome.model.parameters()} == {"cuda"}, name
        if outcome.after is not None:
            assert 0 <= outcome.after.clean_acc <= 1 and 0 <= outcome.after.asr <= 1, (name, outcome.after)
        if outcome.flags is not None:
            assert outcome.flags.shape == (len(poisoned.x),), name
    assert ran and all(torch.equal(before[k], v) for k, v in weights(gpu.model).items())
    assert {p.device.type for p in gpu.model.parameters()} == {"cuda"}


def test_attributions_of_a_gpu_model_come_back_on_the_cpu(on_gpu):
    digits, scenario, _, gpu, _ = on_gpu
    images = digits.x_test[:4]
    for method in methods_for("image"):
        maps = attribute(gpu.model, images, 0, method, MODELS[scenario.model].gradcam_layer)
        assert maps.device.type == "cpu" and maps.shape == (4, *images.shape[2:]), method
        assert bool(torch.isfinite(maps).all()), method


def test_a_gpu_trained_model_file_reads_back_on_the_cpu(on_gpu):
    digits, scenario, _, gpu, _ = on_gpu
    state = read_weights(to_safetensors(gpu.model))
    laptop = model_from_weights(state, scenario.model, tuple(digits.x_train.shape[1:]), len(digits.classes))
    assert {p.device.type for p in laptop.parameters()} == {"cpu"}
    here, there = (evaluate(m, *digits.held_out, scenario.trigger, scenario.target) for m in (laptop, gpu.model))
    assert abs(here.clean_acc - there.clean_acc) <= 0.002 and abs(here.asr - there.asr) <= 0.002
