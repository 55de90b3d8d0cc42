"""The training options' verdict: weakened, not weakened, or no working backdoor to weaken."""

from ui.train_options import options_verdict


def row(title: str, asr: float) -> dict:
    return {"training": title, "attack success": f"{asr:.1%}", "_asr": asr}


def test_a_working_backdoor_weakened_or_not():
    weakened = options_verdict([row("Plain", 1.0), row("Shifts", 0.58), row("Mixup", 0.99)])
    assert weakened.startswith("**Shifts** weakened this backdoor (attack success 100.0% -> 58.0%)")
    kept = options_verdict([row("Plain", 1.0), row("Shifts", 0.95), row("Mixup", 0.9)])  # exactly 10 points: not
    assert kept.startswith("None of these options removed the backdoor")


def test_no_working_backdoor_is_never_said_to_survive():
    for plain in (0.0, 0.002, 0.5):  # nothing poisoned, the attack never took hold, exactly half
        said = options_verdict([row("Plain", plain), row("Shifts", 0.0), row("Mixup", plain)])
        assert said.startswith("With plain training the trigger does not work here")
        assert "removed the backdoor" not in said and "weakened" not in said
