"""What the page says while a data set loads: its first load on this machine, in words, while it is still to do."""

from backdoor.datasets import DATASETS
from ui.resources import _loading


def test_the_loading_words_say_what_a_first_load_takes_and_only_then(monkeypatch, tmp_path):
    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    signs, digits = DATASETS["traffic-signs"], DATASETS["mnist-5k"]
    assert _loading(signs, 0) == ("Loading Traffic signs (offline)... The first time on this machine its 5,000 "
                                  "signs are drawn: about 20 s on a 2-core laptop (after that they are read in "
                                  "a blink).")
    assert _loading(digits, 0) == "Loading MNIST digits (offline)..."
    (tmp_path / "traffic-signs-v1-seed0.npz").write_bytes(b"")  # drawn already (any file by that name)
    assert _loading(signs, 0) == "Loading Traffic signs (offline)..."
    assert _loading(signs, 3).startswith("Loading Traffic signs (offline)... The first time")
