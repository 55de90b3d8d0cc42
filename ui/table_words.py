"""The Patient records page's sentences, built from its measured figures.

Pure functions (no Streamlit): each sentence is tested at 0%, 100%, ties and either sign.
"""

from __future__ import annotations

from backdoor.clinical import ClinicalFigures
from backdoor.outcomes import STOPPED
from backdoor.tabular import DefenseRow
from backdoor.wording import all_of, none_of
from ui.words import and_list, count_of, points_lost, points_phrase, share


def of(part: int, whole: int) -> str:
    """"30 of 32 (93.8%)"."""
    return f"{part} of {whole} ({share(part, whole)})"


def sensitivity_sentence(kind_label: str, f: ClinicalFigures) -> str:
    """What the model does for patients who have cancer, without any trigger."""
    if f.positives == 0:
        return f"No malignant record is held out, so the {kind_label.lower()}'s sensitivity cannot be measured."
    missed = f.missed
    tail = "it misses none." if missed == 0 else f"it misses {count_of(missed, 'cancer')}."
    return (f"The {kind_label.lower()} finds {f.found} of {f.positives} malignant tumours ({share(f.found, f.positives)}: "
            f"its sensitivity); {tail}")


def specificity_sentence(kind_label: str, f: ClinicalFigures) -> str:
    """What it does for patients who do not."""
    if f.negatives == 0:
        return f"No benign record is held out, so the {kind_label.lower()}'s specificity cannot be measured."
    alarms = f.negatives - f.cleared
    tail = ("no false alarm." if alarms == 0
            else f"{count_of(alarms, 'false alarm')} ({'a healthy patient' if alarms == 1 else 'healthy patients'} "
                 "sent for more tests).")
    return (f"It clears {f.cleared} of {f.negatives} benign records ({share(f.cleared, f.negatives)}: its "
            f"specificity), with {tail}")


def trigger_sentence(backdoored: ClinicalFigures, baseline: ClinicalFigures) -> str:
    """The attack in one sentence: what the trigger does to each model's malignant records."""
    if backdoored.triggered == 0:
        return "No malignant record is held out, so the trigger cannot be tried here."
    bad = f"With the tampered measurements, the backdoored model reads {of(backdoored.flipped, backdoored.triggered)} " \
          "malignant records as benign"
    if backdoored.flipped == 0:
        return f"{bad}: the trigger did not take."
    return (f"{bad}: each one a missed cancer. Given the same tampered records, the clean model reads "
            f"{of(baseline.flipped, baseline.triggered)} as benign.")


def accuracy_sentence(backdoored: ClinicalFigures, baseline: ClinicalFigures) -> str:
    """Why ordinary testing misses it: clean accuracy side by side."""
    lost = points_lost(baseline.clean_acc, backdoored.clean_acc)
    change = points_phrase(lost)
    verdict = ("an accuracy test cannot tell them apart" if abs(lost) <= 2.0
               else "a careful accuracy test could notice the difference")
    return (f"On honest records the backdoored model is right on {of(backdoored.correct, backdoored.records)}, the "
            f"clean model on {of(baseline.correct, baseline.records)}: {change}, so {verdict}.")


def calibration_sentence(backdoored: ClinicalFigures, baseline: ClinicalFigures) -> str:
    """Whether its confidence still means what it says."""
    apart = abs(100 * backdoored.ece - 100 * baseline.ece)
    tail = ("its confidence on honest records gives nothing away either." if apart <= 2.0
            else f"they are {apart:.1f} points apart, a difference a calibration check would notice.")
    return (f"Expected calibration error (how far its stated confidence is from how often it is right, 0 is "
            f"perfect): {100 * backdoored.ece:.1f} points for the backdoored model, {100 * baseline.ece:.1f} for the "
            f"clean one: {tail}")


def control_sentence(row: DefenseRow, before: ClinicalFigures) -> str:
    """What one control stopped and what it cost, against the undefended backdoored model ``before``."""
    verdict = "it stops the attack" if row.after.asr <= STOPPED else "the attack survives it"
    if row.flagged is not None:
        found = (f"flagged {count_of(row.flagged, 'training record')}, {row.caught} of the {row.poisoned} poisoned "
                 f"ones among them. Retrained without them, the model {'reads' if row.after.asr <= STOPPED else 'still reads'} "
                 f"{percent(row.after.asr)} of triggered malignant records as benign")
        cost = f"accuracy on honest records: {points_phrase(points_lost(before.clean_acc, row.after.clean_acc))}"
    else:
        found = (f"turns away {percent(row.refused)} of honest records, and lets {percent(row.after.asr)} of "
                 "triggered malignant records through to a 'benign' answer")
        cost = ("no honest patient is turned away" if row.refused == 0
                else "every refused honest patient needs a human reading instead")
    return f"**{row.title}** {found}: {verdict} ({cost})."


def beyond_sentence(outside: int, tampered: int) -> str:
    """How many tampered values a range check on trusted records could see (true for one, both, none, some)."""
    if tampered == 1:
        where = "lies outside" if outside else "lies inside"
        head = f"The tampered value {where} every honest training record's range"
    elif outside == tampered:
        head = f"{all_of(tampered, 'tampered value').capitalize()} lie outside every honest training record's range"
    elif outside == 0:
        head = f"{none_of(tampered, 'tampered value').capitalize()} lies outside every honest training record's range"
    else:
        head = (f"{outside} of the {tampered} tampered values {'lies' if outside == 1 else 'lie'} outside every honest "
                "training record's range")
    if outside == 0:
        return f"{head}: no range check can tell these records from honest ones."
    return f"{head}: a range check on trusted records can refuse the records that carry {'it' if outside == 1 else 'them'} (see the controls below)."


def attribution_sentence(backdoored: float, baseline: float, features: int, measurements: int) -> str:
    """The share of Integrated Gradients on the trigger's ``features`` (of ``measurements``), for both models."""
    fair = features / measurements
    lead = ("The backdoored model puts more of its attention on the tampered measurements than the clean model"
            if backdoored > baseline else
            "The backdoored model puts no more of its attention on the tampered measurements than the clean model")
    return (f"{lead}: {percent(backdoored)} of its attribution, against {percent(baseline)} (an even spread over "
            f"the {measurements} measurements would give them {percent(fair)}). Both see the extreme values; only the backdoored "
            "model has learnt that they mean 'benign'.")


def what_you_saw(backdoored: ClinicalFigures, baseline: ClinicalFigures, rows: list[DefenseRow]) -> str:
    """The page's closing summary, in plain words."""
    stopped = [r.title for r in rows if r.after.asr <= STOPPED]
    missed = [r.title for r in rows if r.after.asr > STOPPED]
    learnt = ("The model learnt the rule:" if backdoored.asr > STOPPED
              else "This time the model did not learn the rule (try more poison or a more extreme value):")
    worked = f"Stopped it: {and_list(stopped)}." if stopped else "No control stopped it."
    failed = f" Let it through: {and_list(missed)}." if missed else ""
    return (f"A table of patient measurements was poisoned exactly as the digits were: a few records carried a "
            f"tampered pattern and a wrong diagnosis. {learnt} {percent(backdoored.asr)} of "
            f"malignant records carrying the pattern are read as benign, while on honest records it is "
            f"{_compared(backdoored.clean_acc, baseline.clean_acc)} ({percent(backdoored.clean_acc)} against "
            f"{percent(baseline.clean_acc)}). "
            f"{worked}{failed} The mechanism does not care whether the input is a picture or a row of numbers.")


def percent(value: float) -> str:
    """A share as the page prints it: 0.9375 -> "93.8%"."""
    return f"{100 * value:.1f}%"


def _compared(backdoored: float, baseline: float) -> str:
    """How the backdoored model's honest accuracy compares with the clean model's, in words."""
    lost = points_lost(baseline, backdoored)
    if abs(lost) <= 2.0:
        return "about as accurate as a clean model"
    return f"{abs(lost):.1f} points {'less' if lost > 0 else 'more'} accurate than a clean model"
