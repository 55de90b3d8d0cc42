"""The training options (augmentation, mixup) are checked and train."""

import math

import pytest
import torch

from backdoor.train import TrainConfig


def test_training_options_are_validated_and_train(small_mnist):
    from backdoor.train import train
    from models import build_model

    with pytest.raises(ValueError, match="mixup"):
        TrainConfig(mixup=-1)
    torch.manual_seed(0)
    model = build_model("small-cnn", small_mnist.image_shape, 10)
    result = train(model, small_mnist.x_train[:256], small_mnist.y_train[:256],
                   TrainConfig(epochs=1, augment=True, mixup=0.4))
    assert len(result.history) == 1 and math.isfinite(result.history[0].loss)
