"""Round 1 of "Can you spot it?": the words for a student who found every poisoned picture fit the attack."""

from backdoor.attacks import ATTACKS
from ui.spot_it import found_all_words


def test_found_all_words_never_name_a_patch_or_a_wrong_label_the_attack_does_not_have():
    assert "labels that do not match" in found_all_words(ATTACKS["badnets"])
    sig = found_all_words(ATTACKS["sig"])  # clean-label: every label matches its picture
    assert "labels all match" in sig and "do not match" not in sig
    wanet = found_all_words(ATTACKS["wanet"])  # invisible, but relabelled
    assert "made to be invisible" in wanet and "visible trigger" not in wanet
    for spec in ATTACKS.values():
        said = found_all_words(spec)
        assert said.endswith(" ") and ("do not match" not in said or not spec.config.clean_label)



def test_a_trigger_that_changed_no_pixel_leaves_only_the_labels_to_give_the_poison_away():
    said = found_all_words(ATTACKS["drawn"], unseen=True)
    assert "labels that do not match" in said and "changes no pixel" in said and "visible trigger" not in said
    assert found_all_words(ATTACKS["badnets"], unseen=False) == found_all_words(ATTACKS["badnets"])
    luck = found_all_words(ATTACKS["sig"], unseen=True)  # clean-label and unchanged: nothing to see at all
    assert "that was luck" in luck and "do not match" not in luck
