import threading
import time

import pytest
import torch
from torch import nn

from backdoor.device import available_devices, resolve_device
from backdoor.memo import SharedMemo
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


def test_device_choice_falls_back_to_cpu():
    assert available_devices()[0] == "auto" and "cpu" in available_devices()
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in {"cuda", "mps", "cpu"}
    with pytest.raises(ValueError):
        resolve_device("tpu")


def test_memo_computes_each_key_once_under_concurrency():
    memo, calls = SharedMemo(max_entries=4), []

    def slow():
        calls.append(1)
        time.sleep(0.05)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(memo.get_or_compute("k", slow))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1


def test_memo_evicts_least_recent_and_never_stores_failures():
    memo = SharedMemo(max_entries=2)
    memo.get_or_compute("a", lambda: 1)
    memo.get_or_compute("b", lambda: 2)
    memo.get("a")
    memo.get_or_compute("c", lambda: 3)
    assert "a" in memo and "b" not in memo and "c" in memo
    with pytest.raises(RuntimeError):
        memo.get_or_compute("d", lambda: (_ for _ in ()).throw(RuntimeError("interrupted")))
    assert "d" not in memo
