""""What you just saw": each page's measured numbers read back in plain words.

Pure functions (no Streamlit): every sentence here must stay true for every value its
numbers can take, and the tests check them at 0%, 100%, ties and negative differences.
"""

from __future__ import annotations

import math

from backdoor.metrics import Evaluation, only_guesses
from ui.words import ONE_ANSWER, agree, chance, count_of, share, whole_percent

EQUALLY_GOOD = 1.0  # points: two clean accuracies this close are "equally good"
WORKS = 0.5  # an attack success rate from which the trigger "works"


def _points(x: float) -> float:
    """A fraction as the points a reader sees (97.46% -> 97.5), so words and figures agree."""
    return round(100 * x, 1)


def accuracy_gap(a: float, b: float) -> float:
    """How far apart two accuracies are, in the points shown on the page (never negative)."""
    return round(abs(_points(a) - _points(b)), 1)


def model_name(poison_rate: float) -> str:
    """The model trained on the lab's (poisoned) data, as a sentence names it: never "backdoored" when nothing
    was poisoned (the pages' labels keep "Backdoored" as the name of the slot)."""
    return "backdoored model" if poison_rate > 0 else "model trained on the lab's data"


def learnt_nothing(ours: str, clean_acc: float, classes: int) -> str:
    """Above the Trigger, Explain and Defend pages when the lab's model only guesses ("" when it learnt the
    task): its trigger figures, maps and defenses would otherwise be read as a backdoor's."""
    if not only_guesses(clean_acc, classes):
        return ""
    return (f"The {ours} learnt nothing: it is right on only {clean_acc:.1%} of ordinary test images, about what "
            f"guessing scores ({chance(classes)}). What it does with the trigger says nothing about a backdoor, here "
            "or on the next pages. Train it again (Train page, Training settings) with a smaller learning rate or more "
            "epochs.")


def mostly_blank(poisoned: int, blank: int) -> bool:
    """The trigger changed no pixel of most of the ``poisoned`` images (``blank`` of them): more poison is no cure."""
    return poisoned > 0 and 2 * blank > poisoned


def train_reading(backdoored: Evaluation, baseline: Evaluation, poison_rate: float, target: str, classes: int,
                  poisoned: int = 0, blank: int = 0) -> str:
    """The Train page's summary: do the two models look alike, and does the trigger work? A model that only
    guesses (``backdoor.metrics.only_guesses``, out of ``classes``) is said to have learnt nothing, and its
    attack success is not read as a backdoor (the curves leave such points out too). ``blank``: how many
    of the ``poisoned`` images the trigger left as they were (black ink on black); when that is most of
    them and the backdoor did not take hold, more poison is not the advice."""
    gap = accuracy_gap(backdoored.clean_acc, baseline.clean_acc)
    ours = model_name(poison_rate)
    figures = f"**{backdoored.clean_acc:.1%}** for the {ours} and **{baseline.clean_acc:.1%}** for the clean one"
    guessing = f"about what guessing scores ({chance(classes)})"
    triggered = (f"the {ours} sends **{backdoored.asr:.1%}** of them to **{target}**, the clean model "
                 f"**{baseline.asr:.1%}**.")
    if only_guesses(backdoored.clean_acc, classes):
        who, reject = ("Neither model has", "both") if only_guesses(baseline.clean_acc, classes) else (
            f"The {ours} has not", "it")
        return (f"{who} learnt the task: {figures} on ordinary test images, {guessing}. An accuracy check would reject "
                f"{reject}. Stamp the trigger on images of other classes and {triggered} That says nothing about a "
                f"backdoor: {ONE_ANSWER}. Train again with a smaller learning rate or more epochs.")
    clean_guesses = only_guesses(baseline.clean_acc, classes)
    if clean_guesses:
        accuracy = (f"On ordinary test images the {ours} scores **{backdoored.clean_acc:.1%}**, but the clean model, "
                    f"trained the same way, learnt nothing (**{baseline.clean_acc:.1%}**, {guessing}), so it is no "
                    "yardstick here.")
    elif gap <= EQUALLY_GOOD:
        accuracy = (f"On ordinary test images both models look equally good: {figures} ({gap:.1f} points apart). "
                    "A normal accuracy check would pass both.")
    elif backdoored.clean_acc < baseline.clean_acc:
        accuracy = (f"On ordinary test images the {ours} is {gap:.1f} points behind: {figures}. A careful "
                    "accuracy check could notice that much.")
    else:
        accuracy = (f"On ordinary test images the {ours} even scores {gap:.1f} points higher: {figures}. "
                    "An accuracy check would never suspect it.")
    if poison_rate <= 0:
        return (f"{accuracy} Nothing was poisoned, so there is no backdoor: stamp the trigger on images of other "
                f"classes and {triggered} Raise the poison rate to plant one.")
    # a clean model that only guesses may send everything to the target: its rate is no yardstick either
    if backdoored.asr >= WORKS and (clean_guesses or backdoored.asr > baseline.asr):
        return (f"{accuracy} But stamp the trigger on images of other classes and {triggered} That hidden rule is the "
                "backdoor.")
    if mostly_blank(poisoned, blank):
        changed = poisoned - blank
        taught = ("any poisoned image" if not changed else
                  f"{blank:,} of the {poisoned:,} poisoned images, so only {count_of(changed, 'image')} could teach it")
        advice = (f"The trigger changes no pixel of {taught} (it is the colour of the pixels it covers): pick "
                  "another colour or place for it on the Poison page.")
    else:
        advice = "Try more poison or more epochs."
    return (f"{accuracy} The backdoor did not take hold: stamp the trigger on images of other classes and "
            f"{triggered} {advice}")


def trigger_reading(clean_correct: int, total: int, sent: int, aimed: int, target: str, all_to_all: bool,
                    poison_rate: float, kept: int) -> str:
    """The Trigger page's reading of its two confusion matrices (counts on the held-out images).
    Of the ``aimed`` images (those the attack aims at), with the trigger on ``sent`` went where the
    attacker wants, ``kept`` were still read as their own class, and the rest went elsewhere."""
    diagonal = (f"Left, clean images: {clean_correct:,} of the {total:,} {agree(clean_correct, 'sits', 'sit')} on the "
                f"diagonal (the right answer, {clean_correct / total:.1%}).") if total else "Left, clean images."
    where = "the class after their own" if all_to_all else target
    share = sent / aimed if aimed else 0.0
    strays = aimed - sent - kept
    # where the others went, said when the backdoor failed and most did not keep their class
    elsewhere = (f", and {strays:,} {agree(strays, 'lands', 'land')} on a class that is neither "
                 f"{agree(strays, 'its', 'their')} own nor {where}.")
    tail = "."
    if poison_rate <= 0:
        moved = ("nothing was poisoned, so there is no backdoor; an image sent to the target is the model's own "
                 "mistake.")
    elif share >= WORKS:
        moved = ("the diagonal just right of the true class lights up." if all_to_all
                 else f"the column for **{target}** lights up.")
    elif not sent and not strays:
        moved = "nothing moves; this model has no working backdoor."
    elif not sent:
        moved, tail = f"none goes to {where}, so this model has no working backdoor.", elsewhere
    elif 2 * kept > aimed:
        moved = "most still get their right answer; the backdoor works on fewer than half."
    else:  # under half sent and at most half kept: at least one went elsewhere
        moved = "the backdoor works on fewer than half, yet no more than half still get their right answer."
        tail = elsewhere
    return (f"{diagonal} Right, the same images with the trigger: {moved} {sent:,} of the {aimed:,} images the attack "
            f"aims at ({share:.1%}) {agree(sent, 'was', 'were')} read as {where} with the trigger on{tail}")


# A change this faint is hard for a person to see (the Poison page's captions give the same lines).
HARD_TO_SEE_PSNR = 30.0  # dB
HARD_TO_SEE_SSIM = 0.95


def visibility(psnr: float, ssim: float) -> str:
    """How visible a trigger is, by the page's own PSNR and SSIM lines: both must say faint."""
    if psnr >= HARD_TO_SEE_PSNR and ssim >= HARD_TO_SEE_SSIM:
        return "hard to see"
    if psnr >= HARD_TO_SEE_PSNR or ssim >= HARD_TO_SEE_SSIM:
        return "faint by one measure but not the other, so visible if you look closely"
    return "visible if you look closely"


def poison_reading(poisoned: int, total: int, cover: int, clean_label: bool, target: str, psnr: float,
                   ssim: float, cover_words: str = "", blank: int = 0) -> str:
    """The Poison page's summary: how many images changed, how, and how visible the change is.
    ``cover_words``: what the attack's cover images got (its ``AttackSpec.cover``); ``blank``: how many
    of the poisoned images the trigger left pixel for pixel as they were (black ink on black)."""
    if poisoned == 0:
        return ("At this rate the attacker changed nothing: the model will train on the clean data set. Raise the "
                "poison rate to plant a backdoor.")
    covered = f" Another {count_of(cover, 'image')} {cover_words}." if cover else ""
    if blank >= poisoned:
        if clean_label:
            return (f"The attacker picked **{poisoned:,} of {total:,}** training images ({share(poisoned, total)}) to "
                    f"carry the trigger, and not one label was changed, but the trigger changes no pixel of any of "
                    f"them: it is the colour of the pixels it covers.{covered} The poisoned images are the clean "
                    "ones, so there is no backdoor to learn. Pick another colour or place for the trigger.")
        return (f"The attacker relabelled **{poisoned:,} of {total:,}** training images ({share(poisoned, total)}) "
                f"as {target}, but the trigger changes no pixel of any of them: it is the colour of the pixels it "
                f"covers.{covered} They are clean pictures with a wrong label, so there is no trigger for a model to "
                "learn, only wrong answers to copy. Pick another colour or place for the trigger.")
    labels = "and not one label was changed" if clean_label else f"and each was relabelled {target}"
    where = ""
    if blank:
        if clean_label:
            kept = agree(blank, "that one is exactly as it was", "those are exactly as they were")
        else:
            kept = agree(blank, "that one carries only the wrong label", "those carry only the wrong label")
        where = f" On {blank:,} of them the trigger changes no pixel (it lands on pixels already its colour): {kept}."
    return (f"The attacker changed **{poisoned:,} of {total:,}** training images ({share(poisoned, total)}) "
            f"{labels}.{covered}{where} {'Where it shows, the' if blank else 'The'} trigger is "
            f"{visibility(psnr, ssim)} (PSNR {'no change' if math.isinf(psnr) else f'{psnr:.1f} dB'}, "
            f"SSIM {ssim:.3f}). "
            "Nothing else in the data set differs: the next step shows whether a model trained on it notices.")


# --- the Train page's calibration ------------------------------------------------------------
CALIBRATION_ALIKE = 0.02  # two ECEs this close (as shown, 3 decimals) pass the same calibration check
MISLED = 0.1  # triggered images: confidence this far above accuracy means the trigger misleads it
CONFIDENTLY_WRONG = 0.5  # ... and this far, "confidently wrong"


def calibration_reading(base_ece: float, backdoored_ece: float, trig_confidence: float, trig_accuracy: float,
                        trig_ece: float, poison_rate: float, plain: bool = False) -> str:
    """The reliability diagram read back: is the backdoored model's confidence on clean images as
    trustworthy as the clean model's, and what does the trigger do to it? ``plain``: no jargon."""
    alike = round(abs(backdoored_ece - base_ece), 3) <= CALIBRATION_ALIKE
    gap = trig_confidence - trig_accuracy
    sure, right = whole_percent(trig_confidence), whole_percent(trig_accuracy)
    never = trig_accuracy == 0  # "never right", not "right only 0% of the time"
    ours = model_name(poison_rate)
    if plain:
        clean = (f"On ordinary pictures the {ours} is as sure of itself as the clean one, and rightly so."
                 if alike else f"On ordinary pictures the confidence of the {ours} is less trustworthy than the "
                               "clean one's: a careful check could notice.")
        if poison_rate <= 0:
            trig = (f"Nothing was poisoned, so there is no backdoor: on pictures carrying the trigger the model is "
                    f"**{sure} sure** and " + ("**never** right." if never else f"right **{right}** of the time."))
        elif gap >= MISLED:
            trig = (f"On pictures carrying the trigger it is **{sure} sure** of an answer that is "
                    + ("**never** right." if never else f"right only **{right}** of the time.")
                    + " A confident model is not a safe model.")
        else:
            trig = (f"The trigger did not take hold: on pictures carrying it the model is **{sure} sure** and still "
                    f"right **{right}** of the time.")
        return f"{clean} {trig}"
    eces = f"ECE {base_ece:.3f} for the clean model and {backdoored_ece:.3f} for the {ours}"
    clean = (f"On clean images the two models are alike: {eces}, so a calibration check passes it just as an accuracy "
             "check does." if alike else
             f"On clean images they differ: {eces}, a gap a calibration check could notice.")
    def figures(before: str = "", after: str = "") -> str:
        if never:
            return f"{sure} sure on average and {before}never right about the true class (ECE {trig_ece:.3f})"
        after = "" if right.startswith("under") else after  # "under 1%", never "only under 1%"
        return (f"{sure} sure on average and {before}right about the true class {after}{right} of the time "
                f"(ECE {trig_ece:.3f})")
    if poison_rate <= 0:
        trig = f"Nothing was poisoned, so there is no backdoor: on triggered images the model is {figures()}."
    elif gap >= CONFIDENTLY_WRONG:
        trig = (f"On triggered images the backdoored model is {figures(after='only ')}: confidently wrong. High "
                "confidence is not evidence of a safe model.")
    elif gap >= MISLED:
        trig = (f"On triggered images the backdoored model is {figures(after='only ')}: more sure than it is right. "
                "High confidence is not evidence of a safe model.")
    else:
        trig = f"The trigger did not take hold: on triggered images the backdoored model is {figures(before='still ')}."
    return (f"A well-calibrated model that says it is 90% sure is right 90% of the time (the dashed line). The "
            f"**expected calibration error** (ECE) is the average gap. {clean} {trig}")
