"""Which trigger the stealth figures call the least visible: named in full at ties, and when they disagree."""

from ui.stealth_compare import stealth_verdict


def _row(attack: str, psnr: float, ssim: float) -> dict:
    return {"attack": attack, "PSNR (dB)": psnr, "SSIM (1 = identical)": ssim}


def test_one_faintest_trigger_by_both_figures():
    assert stealth_verdict([_row("BadNets", 20.0, 0.9), _row("WaNet", 25.0, 0.95)]) == (
        "Both figures call **WaNet** the least visible here.")


def test_triggers_tied_at_the_top_are_all_named():
    rows = [_row("BadNets", 30.0, 0.99), _row("Blended", 30.0, 0.99), _row("WaNet", 20.0, 0.86)]
    assert stealth_verdict(rows) == "Both figures call **BadNets** and **Blended** the least visible here."


def test_when_the_figures_disagree_each_names_its_own_with_its_value():
    rows = [_row("BadNets", 30.0, 0.97), _row("Blended", 30.0, 0.95), _row("SIG", 25.0, 0.99)]
    assert stealth_verdict(rows).startswith(
        "The two figures disagree: by PSNR the faintest changes are **BadNets** and **Blended** (30.0 dB each), by "
        "SSIM the faintest change is **SIG** (0.990), because SSIM")
