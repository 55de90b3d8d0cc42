"""Every registered architecture builds, runs and names its Grad-CAM layer."""

import pytest
import torch
from torch import nn

from models import MODELS, build_model, compatible_models, layer


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_model_registry_contract(name, shape):
    torch.manual_seed(0)
    model = build_model(name, shape, 7).eval()
    x = torch.rand(4, *shape)
    assert model(x).shape == (4, 7)
    assert model.embed(x).shape[0] == 4 and model.embed(x).dim() == 2
    assert isinstance(layer(model, MODELS[name].gradcam_layer), nn.Conv2d)
    assert name in compatible_models(shape)
