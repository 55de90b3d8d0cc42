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
