"""Alt text says what a picture shows, part by part."""

from ui.alt_text import heat_alt, picture_alt


def test_a_picture_is_described_by_its_label_trigger_and_training_label():
    assert picture_alt("7") == "picture of '7'"
    assert picture_alt("7", "BadNets (visible patch)", "0", what="test picture") == (
        "test picture of '7' with the BadNets (visible patch) trigger, labelled '0'")
    assert picture_alt("stop", labelled="stop") == "picture of 'stop', labelled 'stop'"
    assert heat_alt("picture 1").startswith("picture 1, with the model's attribution map over it")
