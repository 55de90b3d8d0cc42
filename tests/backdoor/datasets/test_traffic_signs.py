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
