"""The glossary's terms as the pages' "Words on this page" line quotes them."""

import pytest

from ui.glossary import glossary, in_sentence


def test_a_term_reads_in_a_sentence_with_its_acronyms_kept():
    assert in_sentence("Attack success rate (ASR)") == "attack success rate (ASR)"
    assert in_sentence("Calibration (ECE)") == "calibration (ECE)"
    assert in_sentence("Stealth (L-infinity, PSNR, SSIM)") == "stealth (L-infinity, PSNR, SSIM)"
    assert in_sentence("Dataset fingerprint (SHA-256)") == "dataset fingerprint (SHA-256)"


def test_a_term_led_by_an_acronym_is_left_as_it_is():
    assert in_sentence("ANP (Adversarial Neuron Pruning)") == "ANP (Adversarial Neuron Pruning)"
    assert in_sentence("STRIP") == "STRIP"
    assert in_sentence("Trigger") == "trigger"


def test_no_glossary_term_loses_an_acronym():
    for entry in glossary().values():
        term = entry["term"]
        quoted = in_sentence(term)
        assert quoted.lower() == term.lower()
        for word in term.replace("(", " ").replace(")", " ").replace(",", " ").split():
            if word.isupper():
                assert word in quoted, (term, quoted)


def test_a_stakeholder_reads_the_term_without_its_acronyms():
    assert in_sentence("Calibration (ECE)", plain=True) == "calibration"
    assert in_sentence("Attack success rate (ASR)", plain=True) == "attack success rate"
    assert in_sentence("Stealth (L-infinity, PSNR, SSIM)", plain=True) == "stealth"
    assert in_sentence("ANP (Adversarial Neuron Pruning)", plain=True) == "ANP (Adversarial Neuron Pruning)"
    assert in_sentence("Trigger share and lift", plain=True) == "trigger share and lift"


@pytest.mark.trains
def test_the_poison_rate_entrys_claim_is_measured_on_the_default_scenario():
    """"25 images out of 4,000 are already enough": trained here, on the lab's default data, attack and seed."""
    import re

    from backdoor.datasets import load_dataset
    from backdoor.scenario import Scenario
    from backdoor.sweep import poison_rate_sweep
    from ui.readings import WORKS

    claim = re.search(r"([\d,]+) images out of ([\d,]+) \(([\d.]+)%\) are already enough for a working backdoor",
                      glossary()["poison-rate"]["text"])
    count, total, percent = int(claim[1].replace(",", "")), int(claim[2].replace(",", "")), float(claim[3])
    dataset = load_dataset("mnist-5k")
    assert total == len(dataset.y_train) and percent == round(100 * count / total, 1)
    point, = poison_rate_sweep(dataset, Scenario(), [count])
    assert point.asr >= WORKS, point  # the page's own line for a trigger that works
