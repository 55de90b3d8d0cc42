"""The data inspections (Activation Clustering, Spectral Signatures) and their shared statistics."""

import numpy as np
import pytest
import torch

from backdoor.defenses.activation_clustering import activation_clustering
from backdoor.defenses.common import detection_score
from backdoor.defenses.detection import (
    ClassVerdict, DetectionResult, LabelConsistency, fisher_separation, inspection, is_anomalous, poisoned_side,
    robust_z,
)
from backdoor.defenses.spectral_signatures import SpectralSignaturesConfig, spectral_signatures
from backdoor.scenario import poisoned_training_set


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _unchanged(model, before):
    return all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.fixture(scope="module")
def poisoned(small_mnist, trained_pair):
    scenario, _, _ = trained_pair
    return poisoned_training_set(small_mnist, scenario)


@pytest.mark.parametrize("defense", [activation_clustering, spectral_signatures])
def test_data_inspection_flags_mostly_poisoned_samples(defense, trained_pair, poisoned):
    _, backdoored, _ = trained_pair
    before, x_before = _state(backdoored.model), poisoned.x.clone()
    result = defense(backdoored.model, poisoned.x, poisoned.y)
    score = result.score(poisoned.poisoned_mask)
    assert result.suspect_classes == [0]
    assert score.precision > 0.85 and score.recall > 0.7  # random flagging would have precision 0.1
    assert _unchanged(backdoored.model, before) and torch.equal(poisoned.x, x_before)
    again = defense(backdoored.model, poisoned.x, poisoned.y)
    assert torch.equal(result.flags, again.flags)  # seeded


@pytest.mark.parametrize("defense", [activation_clustering, spectral_signatures])
def test_data_inspection_flags_nothing_on_a_clean_model(defense, small_mnist, trained_pair):
    _, _, baseline = trained_pair
    result = defense(baseline.model, small_mnist.x_train, small_mnist.y_train)
    assert result.flags.sum() <= 0.02 * len(small_mnist.y_train)


def test_spectral_signatures_removes_at_most_its_budget(trained_pair, poisoned):
    _, backdoored, _ = trained_pair
    config = SpectralSignaturesConfig(expected_poison_fraction=0.02, removal_factor=1.5)
    result = spectral_signatures(backdoored.model, poisoned.x, poisoned.y, config)
    assert int(result.flags.sum()) <= round(1.5 * 0.02 * len(poisoned.y))


def test_detection_score_by_hand():
    flags = torch.tensor([1, 1, 0, 0, 1], dtype=torch.bool)
    truth = torch.tensor([1, 0, 1, 0, 1], dtype=torch.bool)
    score = detection_score(flags, truth)
    assert (score.flagged, score.true_positives) == (3, 2)
    assert score.precision == pytest.approx(2 / 3) and score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 / 3)


def test_fisher_separation_and_robust_z_by_hand():
    values = np.array([[0.0], [2.0], [10.0], [12.0]])
    groups = np.array([0, 0, 1, 1])
    # means 1 and 11, variances 1 and 1: (11 - 1)^2 / (1 + 1) = 50
    assert fisher_separation(values, groups) == pytest.approx(50.0)
    z = robust_z(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert z[2] == 0 and z[4] == pytest.approx(97 / 1.4826)


def test_fisher_separation_measures_only_along_the_line_through_the_centres():
    # group 0 centred on (1, 2), group 1 on (4, 6): the line has direction (0.6, 0.8). Along it each
    # group spreads +-0.5 (variance 0.25); across it group 0 spreads far (+-(8, -6)), which must not count.
    values = np.array([[-7.3, 7.6], [9.3, -3.6], [3.7, 5.6], [4.3, 6.4]])
    groups = np.array([0, 0, 1, 1])
    assert fisher_separation(values, groups) == pytest.approx(5.0**2 / (0.25 + 0.25))


def test_fisher_separation_is_zero_without_two_groups_apart_and_finite_when_each_is_a_point():
    values = np.array([[0.0], [2.0], [1.0], [1.0]])
    assert fisher_separation(values, np.array([1, 1, 1, 1])) == 0.0  # one group
    assert fisher_separation(values, np.array([0, 0, 1, 1])) == 0.0  # same centre (1 and 1)
    # two single points, no spread: enormous, but a number
    assert 1e9 < fisher_separation(np.array([[0.0], [0.0], [1.0], [1.0]]), np.array([0, 0, 1, 1])) < np.inf


def test_robust_z_of_a_lone_outlier_among_equal_values_is_enormous_but_finite():
    z = robust_z(np.array([1.0, 1.0, 1.0, 1.0, 5.0]))
    assert z[:4].tolist() == [0.0] * 4 and 1e9 < z[4] < np.inf


# Separations of eleven classes. Their logs have median ln 5 and median absolute deviation ln 1.2,
# so robust z = ln(s / 5) / (1.4826 ln 1.2): 100 -> 11.1, 50 -> 8.5, 40 -> 7.7, 4 -> -0.8, 6 -> 0.7.
SEPARATIONS = np.array([4, 5, 5, 6, 5, 4, 6, 5, 100, 50, 40.0])


def test_anomalous_classes_stand_out_and_come_near_the_clearest_one():
    # 100, 50 and 40 stand out; 40 is under half of 100, 50 exactly half
    assert is_anomalous(SEPARATIONS, 10.0).tolist() == [False] * 8 + [True, True, False]
    # a split must be clear in itself: above the minimum, not at it
    assert is_anomalous(SEPARATIONS, 50.0).tolist() == [False] * 8 + [True, False, False]
    assert is_anomalous(SEPARATIONS, 10.0, z_threshold=10.0).tolist() == [False] * 8 + [True, False, False]
    assert is_anomalous(SEPARATIONS, 100.0).tolist() == [False] * 11
    # a class that would not split (separation 0) is never anomalous and hides no other: with a 0 in
    # place of a 5 the median absolute deviation is ln 1.25, and 40 is still 6.3 deviations out
    with_zero = SEPARATIONS.copy()
    with_zero[2] = 0.0
    assert is_anomalous(with_zero, 10.0).tolist() == [False] * 8 + [True, True, False]


def test_a_class_three_and_a_half_deviations_out_is_anomalous_by_default():
    # median ln 5, median absolute deviation ln 1.2 again; ln(13 / 5) / (1.4826 ln 1.2) = 3.5
    separations = np.array([4, 5, 5, 6, 5, 4, 6, 5, 13.0])
    assert is_anomalous(separations, 10.0).tolist() == [False] * 8 + [True]
    assert not is_anomalous(separations, 10.0, z_threshold=4.0).any()
    # only ratios count: a tenth of every separation (against a tenth of the minimum) is judged the same
    assert is_anomalous(separations / 10, 1.0).tolist() == [False] * 8 + [True]
    assert not is_anomalous(separations / 10, 1.0, z_threshold=4.0).any()


def _two_clusters():
    """Class 0 near (0, 0), class 1 near (10, 10), and one image labelled 1 among the class-0 ones."""
    points = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [10.0, 10.0], [10.0, 11.0], [11.0, 10.0], [0.2, 0.2]])
    return points.view(-1, 1, 1, 2), torch.tensor([0, 0, 0, 1, 1, 1, 1])


def test_label_consistency_is_the_share_of_neighbours_with_another_label():
    x, y = _two_clusters()
    near = LabelConsistency(x, y, neighbours=2)
    # the stray 1 has two class-0 neighbours; (0, 0) has the stray and a 0; (10, 10) two 1s
    assert near.disagreement(np.array([6, 0, 3])).tolist() == [1.0, 0.5, 0.0]
    assert near.disagreement(np.array([], dtype=int)).shape == (0,)
    # ten neighbours asked, six others exist: the stray's are three 0s and three 1s
    assert LabelConsistency(x, y).disagreement(np.array([6])).tolist() == [0.5]
    # one neighbour: the stray's nearest is (0, 0), a 0
    assert LabelConsistency(x, y, neighbours=1).disagreement(np.array([6])).tolist() == [1.0]
    # asked for no neighbours, an image has none to disagree with
    assert LabelConsistency(x[:2], y[:2], neighbours=0).disagreement(np.array([0])).tolist() == [0.0]


def test_poisoned_side_is_the_group_that_looks_least_like_its_label():
    x, y = _two_clusters()
    near = LabelConsistency(x, y, neighbours=2)
    rows = np.array([6, 0, 1])  # disagreement 1.0, 0.5, 0.5
    assert poisoned_side(near, rows, np.array([1, 0, 0])) == 1
    assert poisoned_side(near, rows, np.array([0, 1, 1])) == 0
    # a group with no member never wins
    assert poisoned_side(near, rows, np.array([0, 0, 0])) == 0
    assert poisoned_side(near, np.array([3, 4]), np.array([1, 1])) == 1  # disagreement 0, still above none


def test_suspect_classes_are_those_judged_poisoned():
    verdicts = [ClassVerdict(label, 10, 1.0, float("nan"), poisoned, 0) for label, poisoned in
                [(0, False), (3, True), (5, True), (7, False)]]
    result = DetectionResult("test", torch.tensor([True, False, True, False]), verdicts, 0.1)
    assert result.suspect_classes == [3, 5]
    score = result.score(torch.tensor([True, True, False, False]))
    assert (score.flagged, score.true_positives) == (2, 1)


def test_an_inspection_reads_the_poisoned_training_set_and_passes_its_flags_on():
    from backdoor.attacks import PoisonConfig, Poisoned
    from backdoor.datasets.base import Dataset
    from backdoor.defenses.lab import Lab
    from backdoor.scenario import Scenario

    x, y = _two_clusters()
    dataset = Dataset("clusters", x, y, x, y, ("a", "b"), "hand-made")
    poisoned = Poisoned(x + 0.5, (y + 1) % 2, y == 1)
    lab = Lab(dataset, Scenario(poison=PoisonConfig(target=1)), torch.nn.Linear(2, 2), "linear", poisoned)
    seen = []

    def flag_label_zero(model, x, y, config, on_progress):
        """A stand-in data inspection: flags every image labelled 0, and records what it was given."""
        seen.append((model, x, y, config, on_progress))
        return DetectionResult("zero", y == 0, [], 0.0)

    run, _ = inspection("zero", flag_label_zero)
    report = print
    outcome = run(lab, "settings", report)
    assert len(seen) == 1 and seen[0][0] is lab.model and seen[0][3:] == ("settings", report)
    assert torch.equal(seen[0][1], poisoned.x) and torch.equal(seen[0][2], poisoned.y)
    assert outcome.flags.tolist() == [False, False, False, True, True, True, True]
    assert outcome.result.method == "zero" and outcome.after is None


def test_an_inspection_is_timed_on_clustered_images_of_the_training_set_size():
    import time

    from backdoor.estimates import DataShape
    from backdoor.scenario import Scenario

    calls, models = [], []

    def slow_inspection(model, x, y, config, on_progress=None):
        """A stand-in data inspection: records what it was given, and takes 0.05 s on every image at once."""
        calls.append((config, x.shape, y.clone(), x.clone()))
        models.append(model)
        if len(x) > 100:
            time.sleep(0.05)

    _, estimate = inspection("slow", slow_inspection)
    shape = DataShape("tiny", train=150, test=10, image_shape=(1, 6, 6), num_classes=3)
    seconds = estimate(shape, Scenario(), "cpu", "settings A")
    assert 0.05 <= seconds < 5
    # a first call on 100 images (warming up), then the timed one on all 150
    assert [(c, tuple(s)) for c, s, _, _ in calls] == [("settings A", (100, 1, 6, 6)), ("settings A", (150, 1, 6, 6))]
    assert len(calls[0][2]) == 100  # as many labels as images
    assert isinstance(models[0], torch.nn.Module) and models[1] is models[0]  # one model, built for the shape
    _, _, y, x = calls[-1]
    for label in range(3):  # each class a noisy copy of one picture: its pixels vary by at most 0.2
        spread = x[y == label].amax(0) - x[y == label].amin(0)
        assert (spread <= 0.2 + 1e-6).all()
    # other settings, another name or another size are measured anew
    estimate(shape, Scenario(), "cpu", "settings B")
    inspection("slower", slow_inspection)[1](shape, Scenario(), "cpu", "settings A")
    estimate(DataShape("tiny", train=120, test=10, image_shape=(1, 6, 6), num_classes=3), Scenario(), "cpu",
             "settings A")
    assert [(c, len(x)) for c, _, _, x in calls[2:]] == [("settings B", 100), ("settings B", 150),
                                                          ("settings A", 100), ("settings A", 150),
                                                          ("settings A", 100), ("settings A", 120)]
