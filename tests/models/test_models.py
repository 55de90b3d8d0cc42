"""Every registered architecture builds, runs and names its Grad-CAM layer."""

import pytest
import torch
from torch import nn

from models import MODELS, build_model, compatible_models, layer


@pytest.mark.parametrize("name", [n for n, spec in MODELS.items() if "image" in spec.modalities])
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_model_registry_contract(name, shape):
    torch.manual_seed(0)
    model = build_model(name, shape, 7).eval()
    x = torch.rand(4, *shape)
    assert model(x).shape == (4, 7)
    assert model.embed(x).shape[0] == 4 and model.embed(x).dim() == 2
    assert isinstance(layer(model, MODELS[name].gradcam_layer), nn.Conv2d)
    assert name in compatible_models(shape)


@pytest.mark.parametrize("name", [n for n, spec in MODELS.items() if "tabular" in spec.modalities])
def test_a_table_model_reads_rows_of_measurements(name):
    torch.manual_seed(0)
    model = build_model(name, (30,), 2).eval()
    x = torch.randn(5, 30)
    assert model(x).shape == (5, 2)
    assert model.embed(x).shape == (5, 64)  # the hidden layer the data inspections cluster
    assert isinstance(layer(model, MODELS[name].gradcam_layer), nn.Linear)
    assert compatible_models((30,)) == [name]
    assert name not in compatible_models((1, 28, 28)) and name not in compatible_models((3, 32, 32))


@pytest.mark.parametrize("name", [n for n, spec in MODELS.items() if "image" in spec.modalities])
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_image_models_compute_channels_last_and_give_the_same_answers(name, shape):
    # models/layout.py: built channels-last, inputs laid out so inside; a copy and a reload keep it
    torch.manual_seed(0)
    model = build_model(name, shape, 7).eval()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert all(c.weight.is_contiguous(memory_format=torch.channels_last) for c in convs)
    reloaded = build_model(name, shape, 7).eval()
    reloaded.load_state_dict(model.state_dict())
    assert all(c.weight.is_contiguous(memory_format=torch.channels_last)
               for c in reloaded.modules() if isinstance(c, nn.Conv2d))
    # the same function as the default layout, up to float rounding
    plain = build_model(name, shape, 7).eval().to(memory_format=torch.contiguous_format)
    plain.load_state_dict(model.state_dict())
    x = torch.rand(6, *shape)
    with torch.no_grad():
        fast = model(x)
        hooks = [c.register_forward_pre_hook(lambda _m, a: (a[0].contiguous(),)) for c in
                 plain.modules() if isinstance(c, nn.Conv2d)]
        slow = plain(x)
    for h in hooks:
        h.remove()
    torch.testing.assert_close(fast, slow, rtol=1e-4, atol=1e-5)
