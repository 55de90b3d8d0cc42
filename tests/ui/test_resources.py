"""What the page says while a data set loads: its first load on this machine, in words, while it is still to do."""

from backdoor.datasets import DATASETS
from ui.resources import _loading


def test_the_loading_words_say_what_a_first_load_takes_and_only_then(monkeypatch, tmp_path):
    from backdoor.datasets import traffic_signs

    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    (tmp_path / f"traffic-signs-v{traffic_signs.VERSION}-drawing-time.json").write_text(
        '{"seconds_per_sign": 0.0025}')  # the last drawing on this machine: 5,000 signs in 12.5 s
    signs, digits = DATASETS["traffic-signs"], DATASETS["mnist-5k"]
    assert _loading(signs, 0) == ("Loading Traffic signs... The first time on this machine its 5,000 signs are "
                                  "drawn: about 12 s on this server (after that they are read in a blink).")
    assert _loading(digits, 0) == "Loading MNIST digits..."
    (tmp_path / "traffic-signs-v1-seed0.npz").write_bytes(b"")  # drawn already (any file by that name)
    assert _loading(signs, 0) == "Loading Traffic signs..."
    assert _loading(signs, 3).startswith("Loading Traffic signs... The first time")
