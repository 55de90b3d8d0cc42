"""The Patient records page's sentences, built from its measured figures.

Pure functions (no Streamlit): each sentence is tested at 0%, 100%, ties and either sign. ``name`` is
what the model trained on the tampered file is called: "Backdoored model", or, when nothing was
poisoned, "Unpoisoned model" (``backdoor.kinds.labels``).
"""

from __future__ import annotations

from backdoor.clinical import ClinicalFigures
from backdoor.datasets.breast_cancer import BENIGN, MALIGNANT
from backdoor.kinds import LABELS
from backdoor.outcomes import STOPPED
from backdoor.tabular import DefenseRow
from backdoor.wording import all_of, none_of
from ui.words import agree, and_list, count_of, points_lost, points_phrase, share

BACKDOORED = LABELS["backdoored"]
ANSWERS = {MALIGNANT: "malignant", BENIGN: "benign"}  # the records' classes, in words


def learnt(f: ClinicalFigures) -> bool:
    """Whether the model learnt the rule: more than the STOPPED share of triggered malignant records read as
    benign (False where no malignant record is held out to try it on: its rate is NaN)."""
    return f.triggered > 0 and f.asr > STOPPED


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


def trigger_sentence(backdoored: ClinicalFigures, baseline: ClinicalFigures, name: str = BACKDOORED) -> str:
    """The attack in one sentence: what the trigger does to each model's malignant records."""
    if backdoored.triggered == 0:
        return "No malignant record is held out, so the trigger cannot be tried here."
    bad = f"With the tampered measurements, the {name.lower()} reads {of(backdoored.flipped, backdoored.triggered)} " \
          "malignant records as benign"
    if backdoored.flipped == 0:
        return f"{bad}: the trigger did not take."
    missed = "each one a missed cancer" if backdoored.flipped > 1 else "a missed cancer"
    return (f"{bad}: {missed}. Given the same tampered records, the clean model reads "
            f"{of(baseline.flipped, baseline.triggered)} as benign.")


def accuracy_sentence(backdoored: ClinicalFigures, baseline: ClinicalFigures, name: str = BACKDOORED) -> str:
    """Why ordinary testing misses it: clean accuracy side by side."""
    lost = points_lost(baseline.clean_acc, backdoored.clean_acc)
    change = points_phrase(lost)
    verdict = ("an accuracy test cannot tell them apart" if abs(lost) <= 2.0
               else "a careful accuracy test could notice the difference")
    return (f"On honest records the {name.lower()} is right on {of(backdoored.correct, backdoored.records)}, the "
            f"clean model on {of(baseline.correct, baseline.records)}: {change}, so {verdict}.")


def calibration_sentence(backdoored: ClinicalFigures, baseline: ClinicalFigures, name: str = BACKDOORED) -> str:
    """Whether its confidence still means what it says (judged on the rounded figures it shows)."""
    bad, clean = f"{100 * backdoored.ece:.1f}", f"{100 * baseline.ece:.1f}"
    apart = round(abs(float(bad) - float(clean)), 1)
    tail = ("its confidence on honest records gives nothing away." if apart <= 2.0
            else f"they are {apart:.1f} points apart, a difference a calibration check would notice.")
    return (f"Expected calibration error (how far its stated confidence is from how often it is right, 0 is "
            f"perfect): {bad} points for the {name.lower()}, {clean} for the clean one: {tail}")


def control_sentence(row: DefenseRow, before: ClinicalFigures) -> str:
    """What one control stopped and what it cost, against the undefended backdoored model ``before``;
    a control is never credited with stopping a backdoor that never worked."""
    worked = row.poisoned > 0 and learnt(before)
    stopped = row.after.asr <= STOPPED
    if row.poisoned == 0:
        verdict = "nothing was poisoned, so there was no backdoor for it to stop"
    elif not worked:
        verdict = "the model never learnt the rule, so there was no working backdoor for it to stop"
    elif row.flagged == 0 and stopped:
        verdict = "it removed nothing, so the drop comes from retraining alone, not from the control"
    else:
        verdict = "it stops the attack" if stopped else "the attack survives it"
    reads = "still reads" if worked and not stopped else "reads"
    if row.flagged is not None:
        found = (f"{_flagged(row.flagged, row.caught or 0, row.poisoned)} {reads} {percent(row.after.asr)} of "
                 "triggered malignant records as benign")
        cost = f"accuracy on honest records: {points_phrase(points_lost(before.clean_acc, row.after.clean_acc))}"
    else:
        found = (f"turns away {percent(row.refused)} of honest records, and lets {percent(row.after.asr)} of "
                 "triggered malignant records through to a 'benign' answer")
        cost = ("no honest patient is turned away" if row.refused == 0
                else "every refused honest patient needs a human reading instead")
    return f"**{row.title}** {found}: {verdict} ({cost})."


def _flagged(flagged: int, caught: int, poisoned: int) -> str:
    """What a data inspection flagged and what retraining used, up to "... the model": true for nothing
    flagged, nothing poisoned, one, all and some."""
    if flagged == 0:
        return "flagged no training record, so nothing was removed. Retrained on the same file, the model"
    if poisoned == 0:
        honest = agree(flagged, "an honest one", "all of them honest")
        what = f"flagged {count_of(flagged, 'training record')}, {honest}"
    elif caught == poisoned:
        what = f"flagged {count_of(flagged, 'training record')}, catching {all_of(poisoned, 'poisoned record')}"
    elif caught == 0:
        missed = "missing the poisoned record" if poisoned == 1 else f"catching {none_of(poisoned, 'poisoned record')}"
        what = f"flagged {count_of(flagged, 'training record')}, {missed}"
    else:
        what = f"flagged {count_of(flagged, 'training record')}, catching {caught} of the {poisoned} poisoned records"
    return f"{what}. Retrained without {agree(flagged, 'it', 'them')}, the model"


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


def attribution_sentence(backdoored: float, baseline: float, features: int, measurements: int,
                         rule_learnt: bool, name: str = BACKDOORED, at_average: bool = False) -> str:
    """The share of Integrated Gradients on the trigger's ``features`` (of ``measurements``), for both models;
    ``rule_learnt``: whether the backdoored model learnt the rule (see ``learnt``). ``at_average``: the trigger
    sets its measurements to the average record's, the very point Integrated Gradients starts from, so the
    method credits them with nothing whatever the models learnt: the sentence says so instead of comparing."""
    fair = features / measurements
    tampered = "tampered measurement" if features == 1 else "tampered measurements"
    if at_average:
        return (f"Integrated Gradients credits each measurement for how far it sits from the average record, and this "
                f"trigger sets the {tampered} to the average itself, so {agree(features, 'it gets', 'they get')} no "
                f"credit from either model ({percent(backdoored)} and {percent(baseline)}), whatever the models "
                "learnt: this method cannot see a trigger set at the average. Set another value to see where the "
                "models look; the figures above still say what the trigger does to the diagnoses.")
    more = "more" if percent(backdoored) != percent(baseline) and backdoored > baseline else "no more"
    values, mean = ("tampered value", "it means") if features == 1 else ("tampered values", "they mean")
    tail = (f"Both see the {values}; only the backdoored model has learnt that {mean} 'benign'." if rule_learnt
            else f"Both see the {values}, but this time neither model has learnt that {mean} 'benign'.")
    return (f"The {name.lower()} puts {more} of its attention on the {tampered} than the clean model: "
            f"{percent(backdoored)} of its attribution, against {percent(baseline)} (an even spread over the "
            f"{measurements} measurements would give {agree(features, 'it', 'them')} {percent(fair)}). {tail}")


def record_sentence(clean_answer: int, triggered_answer: int, name: str = BACKDOORED) -> str:
    """What the model trained on the tampered file says for one malignant record, as measured and with the trigger."""
    said = f"The {name.lower()} says **{ANSWERS[clean_answer]}** for this record as measured"
    if clean_answer == BENIGN:
        said += " (a missed cancer even without the trigger)"
    if triggered_answer == clean_answer:
        return (f"{said}, and still **{ANSWERS[triggered_answer]}** once the tampered measurements are set: "
                "the trigger changes nothing here.")
    flipped = ": a missed cancer" if triggered_answer == BENIGN else ""
    return f"{said}, and **{ANSWERS[triggered_answer]}** once the tampered measurements are set{flipped}."


def what_you_saw(backdoored: ClinicalFigures, baseline: ClinicalFigures, rows: list[DefenseRow],
                 poisoned: int) -> str:
    """The page's closing summary, in plain words (``poisoned``: training records poisoned, 0 and up)."""
    honest = (f"on honest records it is {_compared(backdoored.clean_acc, baseline.clean_acc)} "
              f"({percent(backdoored.clean_acc)} against {percent(baseline.clean_acc)})")
    if backdoored.triggered == 0:
        seen = f"No malignant record is held out, so the pattern could not be tried; {honest}."
    else:
        seen = (f"{percent(backdoored.asr)} of malignant records carrying the pattern are read as benign, while "
                f"{honest}.")
    if poisoned == 0:
        return (f"Nothing was poisoned this time, so the model had no backdoor to learn. {seen} With no backdoor, "
                "no control had anything to stop. Raise the share of training records poisoned to watch the "
                "attack take hold.")
    head = (f"A table of patient measurements was poisoned exactly as the digits were: "
            f"{count_of(poisoned, 'training record')} carried a tampered pattern and a wrong diagnosis.")
    if backdoored.triggered == 0:
        return f"{head} {seen} With nothing to try the pattern on, no control can be judged either."
    if not learnt(backdoored):
        return (f"{head} This time the model did not learn the rule (try more poison or a more extreme value): "
                f"{seen} With no working backdoor, no control had anything to stop.")
    # an inspection that removed nothing is not credited with a drop that retraining alone brought
    stopped = [r.title for r in rows if r.after.asr <= STOPPED and r.flagged != 0]
    missed = [r.title for r in rows if r.after.asr > STOPPED]
    worked = f"Stopped it: {and_list(stopped)}." if stopped else "No control stopped it."
    failed = f" Let it through: {and_list(missed)}." if missed else ""
    return (f"{head} The model learnt the rule: {seen} {worked}{failed} The mechanism does not care whether the "
            "input is a picture or a row of numbers.")


def percent(value: float) -> str:
    """A share as the page prints it: 0.9375 -> "93.8%"."""
    return f"{100 * value:.1f}%"


def _compared(backdoored: float, baseline: float) -> str:
    """How the backdoored model's honest accuracy compares with the clean model's, in words."""
    lost = points_lost(baseline, backdoored)
    if abs(lost) <= 2.0:
        return "about as accurate as a clean model"
    return f"{abs(lost):.1f} points {'less' if lost > 0 else 'more'} accurate than a clean model"
