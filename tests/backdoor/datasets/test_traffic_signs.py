"""The drawn traffic signs: deterministic, in colour, balanced."""

import numpy as np

from backdoor.datasets.traffic_signs import SIGN_CLASSES, generate


def test_traffic_signs_are_deterministic_colour_and_balanced():
    images, labels, boxes = generate(per_class=3, seed=7)
    again, labels_again, _ = generate(per_class=3, seed=7)
    other, _, _ = generate(per_class=3, seed=8)
    assert images.shape == (3 * len(SIGN_CLASSES), 32, 32, 3) and images.dtype == np.uint8
    assert len(SIGN_CLASSES) >= 6
    assert np.bincount(labels).tolist() == [3] * len(SIGN_CLASSES)
    assert np.array_equal(images, again) and np.array_equal(labels, labels_again)
    assert not np.array_equal(images, other)
    # the sign sits inside the frame: its centre and radius are in pixels of the 32x32 image
    assert ((boxes[:, :2] > 0) & (boxes[:, :2] < 32)).all() and (boxes[:, 2] > 5).all()


def test_the_same_seed_gives_the_same_pixels_on_any_number_of_cores_and_chunks(monkeypatch):
    """Samples are planned in one order and painted on several threads: neither the thread count nor
    the chunking may change a pixel (a preset's stated figures rest on them)."""
    from backdoor.datasets import traffic_signs

    first = generate(per_class=4, seed=11)
    monkeypatch.setattr(traffic_signs, "_CHUNK", 5)  # 32 samples in 7 chunks, the last one short
    monkeypatch.setattr(traffic_signs.os, "cpu_count", lambda: 1)
    one_core = generate(per_class=4, seed=11)
    rng = np.random.default_rng(11)  # one sample at a time, as before the painting was parallel
    labels = rng.permutation(np.repeat(np.arange(len(SIGN_CLASSES)), 4))
    serial = [traffic_signs.render(int(label), rng) for label in labels]
    for a, b in zip(first, one_core):
        assert np.array_equal(a, b)
    assert np.array_equal(first[0], np.stack([image for image, _ in serial]))
    assert np.allclose(first[2], np.asarray([box for _, box in serial], dtype=np.float32))


def test_the_warm_up_and_a_user_reading_the_signs_at_once_draw_them_once(monkeypatch, tmp_path):
    """The start-up warm-up reads the signs while a user picks them: the second caller waits for the
    first's file, and until it exists the data set's first-load note says the signs are being drawn."""
    import threading

    from backdoor.datasets import DATASETS, traffic_signs
    from backdoor.wording import about

    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    monkeypatch.setattr(traffic_signs, "TRAIN_PER_CLASS", 3)
    monkeypatch.setattr(traffic_signs, "TEST_PER_CLASS", 2)
    draws, real = [], traffic_signs.generate

    def counted(per_class, seed):
        draws.append(per_class)
        return real(per_class, seed)

    monkeypatch.setattr(traffic_signs, "generate", counted)
    spec = DATASETS["traffic-signs"]
    assert spec.first_load_note(0) == ("The first time on this machine its 40 signs are drawn (after that they are "
                                       "read in a blink).")  # no set drawn here yet: no figure rather than a guess
    loaded = []
    readers = [threading.Thread(target=lambda: loaded.append(traffic_signs.load_traffic_signs(0))) for _ in range(3)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert draws == [3, 2]  # the training and test signs, once
    assert len({tuple(d.x_train.flatten()[:50].tolist()) for d in loaded}) == 1 and len(loaded[0].x_train) == 24
    assert spec.first_load_note(0) is None
    per_sign = traffic_signs.seconds_per_sign()  # what the drawing just took here, per sign
    assert per_sign > 0
    assert spec.first_load_note(1) == (f"The first time on this machine its 40 signs are drawn: "
                                       f"{about(40 * per_sign)} on this server (after that they are read in a blink).")
    assert DATASETS["mnist-5k"].first_load_note(0) is None



def test_the_first_load_note_quotes_the_last_drawing_here_or_no_figure(monkeypatch, tmp_path):
    from backdoor.datasets import traffic_signs

    monkeypatch.setenv("BACKDOOR_LAB_CACHE", str(tmp_path))
    record = tmp_path / f"traffic-signs-v{traffic_signs.VERSION}-drawing-time.json"
    for unreadable in ("not json", "[1, 2]", '{"seconds": 3}', '{"seconds_per_sign": "soon"}'):
        record.write_text(unreadable)
        assert traffic_signs.seconds_per_sign() is None
        assert traffic_signs.still_to_draw(0) == ("The first time on this machine its 5,000 signs are drawn (after "
                                                   "that they are read in a blink).")
    record.write_text('{"seconds_per_sign": 0.0025}')  # 5,000 signs in 12.5 s
    assert traffic_signs.still_to_draw(0) == ("The first time on this machine its 5,000 signs are drawn: about 12 s on "
                                               "this server (after that they are read in a blink).")
