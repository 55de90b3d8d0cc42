"""Every classroom preset reproduces the numbers it states."""

import pytest

from backdoor.scenario import train_model

pytestmark = pytest.mark.trains


@pytest.mark.parametrize("name", ["classic-patch", "invisible-warp", "clean-label", "faint-blend", "all-to-all",
                                  "stop-sign-sticker"])
def test_presets_reproduce_their_stated_numbers(name):
    from backdoor.datasets import load_dataset
    from backdoor.presets import PRESETS, TOLERANCE
    from backdoor.scenario import trigger_report

    preset = PRESETS[name]
    dataset = load_dataset(preset.scenario.dataset)
    figures = trigger_report(train_model(dataset, preset.scenario, measure_asr=False).model, dataset,
                             preset.scenario)
    assert figures["clean_acc"] == pytest.approx(preset.expected_clean_acc, abs=TOLERANCE)
    assert figures["asr"] == pytest.approx(preset.expected_asr, abs=TOLERANCE)
