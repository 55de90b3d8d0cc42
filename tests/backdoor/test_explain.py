import pytest
import torch
from torch import nn

from backdoor.attacks import BadNets
from backdoor.explain import METHODS, attribute, methods_for, overlay, trigger_share
from models import MODELS, build_model

H = W = 8


def linear_model(weight: torch.Tensor) -> nn.Module:
    model = nn.Sequential(nn.Flatten(), nn.Linear(H * W, weight.shape[0], bias=True))
    with torch.no_grad():
        model[1].weight.copy_(weight)
        model[1].bias.fill_(0.1)
    return model.eval()


def test_saliency_of_a_linear_model_is_its_absolute_weights():
    torch.manual_seed(0)
    weight = torch.randn(3, H * W)
    maps = attribute(linear_model(weight), torch.rand(2, 1, H, W), target=1, method="saliency")
    expected = weight[1].abs().reshape(H, W)
    assert torch.allclose(maps[0], expected) and torch.allclose(maps[1], expected)


def test_integrated_gradients_of_a_linear_model_is_input_times_weight():
    torch.manual_seed(0)
    weight = torch.randn(3, H * W)
    x = torch.rand(2, 1, H, W)
    maps = attribute(linear_model(weight), x, target=2, method="integrated_gradients", steps=8)
    expected = (x[:, 0] * weight[2].reshape(H, W)).abs()  # exact: the gradient is constant
    assert torch.allclose(maps, expected, atol=1e-5)


@pytest.mark.parametrize("method, options", [
    ("saliency", {}), ("integrated_gradients", {}), ("smoothgrad", {}), ("occlusion", {"window": 1, "stride": 1}),
])
def test_a_model_that_reads_only_the_patch_puts_all_attribution_there(method, options):
    trigger = BadNets(size=3, margin=1)
    footprint = trigger.footprint(torch.zeros(1, 1, H, W))
    torch.manual_seed(0)
    weight = torch.randn(2, H * W) * footprint.flatten().float()  # zero weight outside the patch
    maps = attribute(linear_model(weight), torch.rand(4, 1, H, W) + 0.1, target=0, method=method, **options)
    share, lift = trigger_share(maps, footprint)
    assert share > 0.99
    assert lift == pytest.approx(share * H * W / 9)


def test_trigger_share_and_lift_by_hand():
    maps = torch.zeros(1, 4, 4)
    maps[0, 0, 0] = 3.0
    maps[0, 3, 3] = 1.0
    footprint = torch.zeros(4, 4, dtype=torch.bool)
    footprint[:2, :2] = True  # a quarter of the image
    share, lift = trigger_share(maps, footprint)
    assert share == pytest.approx(0.75) and lift == pytest.approx(3.0)
    assert trigger_share(torch.ones(2, 4, 4), footprint) == pytest.approx((0.25, 1.0))


@pytest.mark.parametrize("method", list(methods_for("image")))
@pytest.mark.parametrize("model_name, shape", [("small-cnn", (1, 28, 28)), ("color-cnn", (3, 32, 32))])
def test_method_registry_contract(method, model_name, shape):
    torch.manual_seed(0)
    model = build_model(model_name, shape, 10).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.rand(3, *shape)
    layer_name = MODELS[model_name].gradcam_layer
    maps = attribute(model, x, torch.tensor([0, 1, 2]), method, gradcam_layer=layer_name)
    assert maps.shape == (3, *shape[1:])
    assert torch.isfinite(maps).all() and (maps >= 0).all() and maps.sum() > 0
    assert torch.allclose(  # every method is deterministic (SmoothGrad's noise is seeded)
        maps, attribute(model, x, torch.tensor([0, 1, 2]), method, gradcam_layer=layer_name))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # never modified
    assert not model.training
    spec = METHODS[method]
    assert spec.paper.startswith("https://") and spec.title and spec.summary


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="choose one of"):
        attribute(linear_model(torch.zeros(2, H * W)), torch.rand(1, 1, H, W), 0, "lime")


def test_the_backdoored_model_stares_at_the_patch(small_mnist, trained_pair):
    scenario, backdoored, baseline = trained_pair
    others = small_mnist.x_test[small_mnist.y_test != 0][:32]
    triggered = scenario.stamp(others)
    footprint = scenario.trigger.footprint(others)
    lifts = {}
    for name, result in (("backdoored", backdoored), ("baseline", baseline)):
        with torch.no_grad():
            predicted = result.model(triggered).argmax(1)
        maps = attribute(result.model, triggered, predicted, "integrated_gradients")
        lifts[name] = trigger_share(maps, footprint)[1]
    assert lifts["backdoored"] > 10
    assert lifts["baseline"] < lifts["backdoored"] / 4


def test_overlay_is_an_enlarged_rgb_picture():
    picture = overlay(torch.rand(1, 8, 8), torch.rand(8, 8), scale=3)
    assert picture.shape == (24, 24, 3) and picture.dtype.name == "uint8"
    flat = overlay(torch.rand(3, 8, 8), torch.zeros(8, 8), scale=1)
    assert flat.shape == (8, 8, 3)


def test_a_table_is_explained_per_measurement_with_a_sign():
    """A linear score w.x from the zero record: IG gives exactly w_i * x_i per measurement, signed."""
    assert list(methods_for("tabular")) == ["feature_integrated_gradients"]
    model = nn.Linear(3, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0, 0.0, 0.0], [2.0, -1.0, 0.5]]))
    x = torch.tensor([[1.0, 2.0, -4.0]])
    attr = attribute(model, x, 1, "feature_integrated_gradients")
    assert attr.shape == (1, 3)
    assert torch.allclose(attr, torch.tensor([[2.0, -2.0, -2.0]]), atol=1e-4)
    share, lift = trigger_share(attr, torch.tensor([True, False, False]))  # by size: 2 of 6
    assert share == pytest.approx(1 / 3) and lift == pytest.approx(1.0)


def test_explaining_counts_as_work_that_a_unit_cost_timed_beside_it_would_share(monkeypatch):
    """An attribution takes up to a second of both cores on a page's thread: measurements on other threads see
    it (backdoor.busy.WORK) and take their figure again once the machine is quiet."""
    import threading
    from dataclasses import replace

    from backdoor import busy

    seen, window = [], busy.WORK.window()
    model = build_model("small-cnn", (1, 28, 28), 10)
    original = METHODS["saliency"].run

    def run(*args, **kwargs):
        seen.append(busy.WORK.others_active())  # its own thread does not count it against itself
        return original(*args, **kwargs)

    monkeypatch.setitem(METHODS, "saliency", replace(METHODS["saliency"], run=run))
    thread = threading.Thread(target=lambda: attribute(model, torch.rand(2, 1, 28, 28), 0, "saliency"))
    thread.start()
    thread.join(timeout=30)
    assert seen == [False] and window()  # the thread watching did see it
