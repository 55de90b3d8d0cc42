"""The plug-in contract: a new attack is one file and one registry line, a new defense one file
and one registry line (its panel optional).

This test defines a toy attack and a toy defense right here, registers them the way a new file's
registry line would, and follows each through everything that lists attacks or defenses: the
Poison page's form, training, the Defend page (run, panel, summary, report), the matrix and the
benchmark figures. No other edit was made for them, so if any of those places kept its own list
of attacks or defenses, the toy would be missing there and this test fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from apptest import fresh_app, texts, trained

from backdoor.attacks import ATTACKS, AttackSpec, PoisonConfig, TriggerDefaults, register as register_attack, setting
from backdoor.defenses.base import Defense
from backdoor.defenses.common import private_copy
from backdoor.defenses.lab import Lab
from backdoor.defenses.registry import DEFENSES, register as register_defense
from backdoor.outcomes import Outcome
from backdoor.scenario import Scenario, poisoned_training_set, train_model
from backdoor.train import TrainConfig


@dataclass(frozen=True)
class Frame(TriggerDefaults):
    """A bright frame round the picture (a toy trigger for the contract test, no paper)."""

    width: int = setting(2, "Frame width (pixels)", low=1, high=4, help="How thick the frame is.")

    def _mask(self, h: int, w: int) -> torch.Tensor:
        mask = torch.ones(h, w)
        mask[self.width : h - self.width, self.width : w - self.width] = 0
        return mask

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        mask = self._mask(*x.shape[-2:]).to(x)
        return x * (1 - mask) + mask

    @property
    def footprint_label(self) -> str:
        return "the frame"

    def footprint(self, x: torch.Tensor) -> torch.Tensor:
        return self._mask(*x.shape[-2:]).bool()


FRAME = AttackSpec("frame", "Toy frame (contract test)", "A bright frame round the picture.",
                   "https://example.org/toy", Frame, default_rate=0.1)


@dataclass(frozen=True)
class ShrugConfig:
    noise: float = 0.0  # set by the page's "budget" setting, to see settings flow through


def _shrug(lab: Lab, config: ShrugConfig, on_progress) -> Outcome:
    """A toy repair: a copy of the model, measured like any repair."""
    on_progress(1, 1, "done")
    repaired = private_copy(lab.model)
    return Outcome(result={"noise": config.noise}, model=repaired, after=lab.evaluate(repaired),
                   detail=f"copied the model with noise {config.noise:g}", figures={"noise": config.noise})


SHRUG = Defense("shrug", "Toy shrug (contract test)", "after training (a toy)", "https://example.org/toy",
                "nothing at all", "always: it changes nothing", ShrugConfig(), _shrug, lambda *_: 0.5,
                after="after shrugging", settings={"budget": "noise"})


@pytest.fixture
def plugins(monkeypatch):
    """The toy attack and defense registered, as one registry line each would (undone afterwards)."""
    monkeypatch.setitem(ATTACKS, "frame", ATTACKS.get("frame", FRAME))
    monkeypatch.setitem(DEFENSES, "shrug", DEFENSES.get("shrug", SHRUG))
    register_attack(FRAME)
    register_defense(SHRUG)
    yield


def test_a_toy_attack_gets_its_form_on_the_poison_page_and_trains(plugins, small_mnist):
    at = fresh_app(**{"poison.attack": "frame", "poison.rate_pct": 10.0})
    at.switch_page("pages/poison.py").run()
    assert not at.exception
    slider = next(s for s in at.slider if s.label == "Frame width (pixels)")  # drawn from the config's field
    assert slider.value == 2 and (slider.min, slider.max) == (1, 4)
    slider.set_value(3).run()
    assert not at.exception and at.session_state["poison.frame.width"] == 3

    scenario = Scenario(attack="frame", trigger=Frame(width=3), poison=PoisonConfig(rate=0.1, target=0),
                        train=TrainConfig(epochs=2, seed=0))
    poisoned = poisoned_training_set(small_mnist, scenario)
    assert poisoned.num_poisoned == 100 and torch.all(poisoned.x[poisoned.poisoned_mask][:, :, 0, :] == 1)
    result = train_model(small_mnist, scenario)
    assert result.history[-1].asr is not None and result.history[-1].asr > 0.5  # the frame is learnt


def test_a_toy_defense_runs_on_the_defend_page_with_the_generic_panel_and_reaches_the_report(plugins):
    at = trained(fresh_app())
    at.session_state["defend.chosen"] = ["shrug"]
    at.session_state["defend.budget_pct"] = 3.0
    at.switch_page("pages/defend.py").run()
    assert "Toy shrug (contract test)" in [o for o in at.multiselect(key="w:defend.chosen").options]
    at.button(key="btn.defend.run").click().run()
    assert not at.exception
    shown = texts(at)
    assert "It copied the model with noise 0.03." in shown  # the generic panel, with the page's setting applied
    assert "Toy shrug (contract test)" in at.dataframe[0].value["defense"].tolist()  # the summary table
    assert "Toy shrug (contract test)" in shown  # ... and the reading below it
    at.button(key="btn.report").click().run()
    assert not at.exception
    assert "Toy shrug (contract test)" in at.session_state["report.html"]  # the report's defense rows


def test_the_matrix_and_the_benchmarks_take_both_from_the_registries(plugins, small_mnist, tmp_path):
    import benchmarks.run as bench
    from backdoor.matrix import MatrixConfig, compute_matrix, matrix_columns, matrix_rows

    assert "frame" in matrix_rows() and "shrug" in matrix_columns()
    config = MatrixConfig(dataset=small_mnist.name, train=TrainConfig(epochs=2, seed=0), rows=("frame",),
                          columns=("none", "shrug"))
    result = compute_matrix(small_mnist, config)
    cell = result.cell("frame", "shrug")
    assert cell is not None and cell.detail == "copied the model with noise 0"
    assert cell.asr == result.cell("frame", "none").asr  # a copy is the same model
    assert "frame,shrug," in result.to_csv()

    scenario = config.scenario("frame")
    model = train_model(small_mnist, scenario).model
    lab = Lab(small_mnist, scenario, model, "toy", poisoned_training_set(small_mnist, scenario))
    figures = bench.defense_figures(lab, "shrug", {"budget": 0.5})
    assert figures["shrug_noise"] == 0.5 and figures["shrug_after_asr"] == round(lab.evaluate(model).asr, 4)
