from ui.mystery_words import prepare_words

SHARED = "then anyone with this code on this server gets them at once."


def test_prepare_words_count_only_the_models_it_trains():
    took = "about 12 s on this server"
    assert prepare_words(4, 4, took) == f"Trains 4 models, {took}; {SHARED}"
    assert prepare_words(4, 3, took) == f"Trains 3 of the 4 models (1 is in the model store already), {took}; {SHARED}"
    assert prepare_words(4, 1, took) == f"Trains 1 of the 4 models (3 are in the model store already), {took}; {SHARED}"
    assert prepare_words(2, 0, "about 1 s on this server") == (
        f"Both models are in the model store already (trained before): they load in about 1 s on this server; {SHARED}")
    assert prepare_words(4, 0, took).startswith("All 4 models are in the model store already")
    assert prepare_words(1, 1, took).startswith("Trains 1 model, ")
