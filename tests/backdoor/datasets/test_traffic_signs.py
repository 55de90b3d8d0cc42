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
