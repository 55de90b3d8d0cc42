"""The story pages' figures for a stored scenario are measured ahead (by the start-up warm-up), so
the first student of a class finds them ready; a scenario with no stored models is left alone."""

from __future__ import annotations

from dataclasses import replace

import torch

from backdoor.scenario import Scenario
from backdoor.train import TrainConfig
from stored import store_constant_model
from ui import page_figures
from ui.training import KINDS, cached_models


def test_a_stored_scenarios_figures_are_measured_ahead_and_an_untrained_one_is_left_alone(monkeypatch, tmp_path, mnist):
    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path))
    scenario = Scenario(train=TrainConfig(epochs=1, seed=4242))  # settings no other test stores
    for kind, answer in zip(KINDS, (0, 3)):
        store_constant_model(scenario, kind, answer)
    calls = []

    def counting(name):
        real = getattr(page_figures, name)
        monkeypatch.setattr(page_figures, name, lambda *a, **k: calls.append(name) or real(*a, **k))

    for name in ("stealth", "calibration_curves", "trigger_counts"):
        counting(name)
    untrained = replace(scenario, train=replace(scenario.train, seed=4243))
    assert page_figures.measure_ahead(mnist, untrained, "cpu") is False and calls == []
    assert page_figures.measure_ahead(mnist, scenario, "cpu") is True
    assert sorted(calls) == ["calibration_curves", "stealth", "trigger_counts"]
    # a page now reads them: nothing is measured again, whichever way it names the device
    models = cached_models(mnist, scenario, torch.device("cpu"))
    page_figures.stealth_figures(mnist, scenario, torch.device("cpu"))
    curves = page_figures.calibration_figures(mnist, scenario, models, torch.device("cpu"))
    page_figures.trigger_figures(mnist, scenario, models, torch.device("cpu"))
    assert len(calls) == 3
    # the stored always-0 backdoored model: its clean accuracy is the share of 0s among the held-out images
    held_out_zeros = float((mnist.held_out[1] == 0).float().mean())
    assert abs(curves["backdoored", "clean"].accuracy_overall - held_out_zeros) < 1e-6
