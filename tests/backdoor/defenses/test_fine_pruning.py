"""Fine-Pruning: the quietest channels go within the budget, then fine-tuning removes the backdoor."""

import torch

from backdoor.defenses.fine_pruning import FinePruningConfig, channel_activity, fine_pruning, prune_channels


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _unchanged(model, before):
    return all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_pruned_channels_output_zero_and_the_input_model_is_untouched(trained_pair, small_mnist):
    _, backdoored, _ = trained_pair
    before = _state(backdoored.model)
    pruned = prune_channels(backdoored.model, "conv2", [0, 5, 7])
    activity = channel_activity(pruned, "conv2", small_mnist.x_test[:50])
    assert activity[[0, 5, 7]].abs().sum() == 0 and activity.sum() > 0
    assert _unchanged(backdoored.model, before)


def test_fine_pruning_prunes_the_quietest_channels_within_the_budget(trained_pair, small_mnist):
    scenario, backdoored, _ = trained_pair
    before = _state(backdoored.model)
    x, y = small_mnist.x_test[:150], small_mnist.y_test[:150]
    x_eval, y_eval = small_mnist.x_test[150:], small_mnist.y_test[150:]
    budget = FinePruningConfig(accuracy_budget=0.02, fine_tune_epochs=0)
    result = fine_pruning(backdoored.model, "conv2", x, y, x_eval, y_eval, scenario.trigger, 0, budget)
    activity = channel_activity(backdoored.model, "conv2", x)
    assert result.pruned_channels == torch.argsort(activity).tolist()[: len(result.pruned_channels)]
    stop = next((p for p in result.curve if result.curve[0].clean_acc - p.clean_acc > 0.02), None)
    assert stop is None or stop.fraction > result.pruned_fraction  # stopped within the budget
    assert 0.0 <= result.after_pruning.asr <= 1.0 and result.model is not backdoored.model
    assert _unchanged(backdoored.model, before)


def test_fine_pruning_with_its_fine_tuning_removes_the_backdoor(trained_pair, small_mnist):
    scenario, backdoored, _ = trained_pair
    x, y = small_mnist.x_test[:150], small_mnist.y_test[:150]
    x_eval, y_eval = small_mnist.x_test[150:], small_mnist.y_test[150:]
    result = fine_pruning(backdoored.model, "conv2", x, y, x_eval, y_eval, scenario.trigger, 0)
    before = result.curve[0]
    assert before.asr > 0.9  # the backdoor works before
    assert result.after_fine_tuning.asr < 0.2  # and is mostly gone after
    assert result.after_fine_tuning.clean_acc > 0.75  # still a working classifier (150 clean images only here)
    again = fine_pruning(backdoored.model, "conv2", x, y, x_eval, y_eval, scenario.trigger, 0)
    assert again.after_fine_tuning == result.after_fine_tuning  # seeded, shifts included
