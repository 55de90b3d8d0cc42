"""The glossary's terms as the pages' "Words on this page" line quotes them."""

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
