"""Step 1: pick an attack, poison the training set, see how little it changes."""

import streamlit as st
import torch

from backdoor.attacks import ALL_TO_ALL, ATTACKS
from backdoor.datasets import objects_at
from ui.attack_forms import attack_form
from ui.alt_text import picture_alt
from ui.charts import to_display
from ui.glossary import glossary_link, quiz
from ui.lessons import show_lesson
from ui.explain import explained_image
from ui.instant import instant_section
from ui.resources import current_dataset, current_device, model_key, trained_models
from ui.spot_it import spot_it
from ui.spot_it_faint import spot_it_faint
from ui.state import RATE_RANGE, bind, use_attack_defaults
from ui.stealth_compare import stealth_side_by_side
from ui.sweep import poison_sweep
from ui.readings import HARD_TO_SEE_PSNR, HARD_TO_SEE_SSIM, mostly_blank, poison_reading
from ui.page_figures import stealth_figures
from ui.training import poisoned_or_stop, scenario_or_stop
from ui.routing import through_router
from ui.words import agree, count_of, share as share_of, whole_percent
from ui.next_step import next_link

through_router()  # first: a fresh server may run this file without app.py (ui/routing.py)


def _target_changed() -> None:
    if st.session_state["poison.target"] == ALL_TO_ALL:
        use_attack_defaults()  # all-to-all needs more poison

st.title("1. Poison the data")
show_lesson("poison")
glossary_link("trigger", "poison-rate", "target-class", "clean-label", "stealth")
dataset = current_dataset()
device = current_device()

st.subheader("The attack")
fitting = [name for name, spec in ATTACKS.items() if spec.fits(dataset.name)]
if st.session_state["poison.attack"] not in fitting:
    st.session_state["poison.attack"] = "badnets"
    use_attack_defaults()
left, right = st.columns([3, 2])
with left:
    st.selectbox("Attack", fitting, format_func=lambda a: ATTACKS[a].title,
                 **bind("poison.attack", on_change=use_attack_defaults),
                 help="Choosing an attack also sets the poison rate it needs (you can change it).")
    spec = ATTACKS[st.session_state["poison.attack"]]
    st.markdown(f"{spec.summary} [Read the paper]({spec.paper}).")  # a link is too faint in a caption
    attack_form(spec.name, dataset.image_shape)
with right:
    st.slider("Poison rate (% of the training set)", *RATE_RANGE, step=0.5, format="%.1f", **bind("poison.rate_pct"),
              help="How many training images the attacker gets to tamper with.")
    choices = list(range(dataset.num_classes)) + ([] if spec.config.clean_label else [ALL_TO_ALL])
    if st.session_state["poison.target"] not in choices:
        st.session_state["poison.target"] = 0
    st.selectbox(
        "Target class", choices,
        format_func=lambda i: "every class to the next one (all-to-all)" if i == ALL_TO_ALL else dataset.classes[i],
        **bind("poison.target", on_change=_target_changed),
        help="Where every triggered image should be sent. All-to-all sends each class to the next "
             "(a 3 becomes a 4, a 9 becomes a 0).",
    )

scenario = scenario_or_stop()
poisoned = poisoned_or_stop(dataset, scenario)
instant_section("poison", dataset, scenario)  # answers from the pre-trained grid, when `make warm` made one

n = len(dataset.y_train)
target_name = scenario.target_phrase(dataset.classes)
st.subheader("What the attacker did")
figures = stealth_figures(dataset, scenario, device)  # on the poisoned images themselves, against their originals
blank, changed = figures["blank"], poisoned.num_poisoned - figures["blank"]  # black ink on black: no pixel moved
if mostly_blank(poisoned.num_poisoned, blank):
    kept = ("exactly the clean pictures" if spec.config.clean_label else "clean pictures with a wrong label")
    st.warning(("**This trigger changes no pixel of any poisoned image**" if not changed else
                f"**This trigger changes no pixel of {blank:,} of the {poisoned.num_poisoned:,} poisoned images**")
               + ": it is the colour of the pixels it covers (black ink on a black background, say). "
               + (f"They are {kept}: there is no trigger for a model to learn" if not changed else
                  f"Those are {kept}; only {count_of(changed, 'image')} {agree(changed, 'carries', 'carry')} the "
                  "trigger")
               + ". Pick another colour or place for the trigger.", icon=":material/visibility_off:")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Poisoned images", f"{poisoned.num_poisoned:,}", help=f"out of {n:,} training images")
share = f"{poisoned.num_poisoned:,} of the {n:,} training images ({share_of(poisoned.num_poisoned, n)})"
carry = "were stamped with the trigger" if blank else "now carry the trigger"  # a stamp that may change nothing
if not poisoned.num_poisoned:
    c1.caption("No training image carries the trigger.")
elif spec.config.clean_label:
    c1.caption(f"{share} are real {target_name} images that {carry}. **No label was changed.**")
else:
    c1.caption(f"{share} {carry} and are labelled {target_name}, whatever they really show.")
if poisoned.num_cover:
    c1.caption(f"Another {count_of(poisoned.num_cover, 'image')} {spec.cover}.")
if blank and not mostly_blank(poisoned.num_poisoned, blank):
    c1.caption(f"On {blank:,} of them the trigger changes no pixel: it lands on pixels already its colour.")
nothing = not changed  # no poisoned image changed at all (its PSNR is infinite)
c2.metric("Largest pixel change (L∞)", f"{figures['linf']:.2f}")
c2.caption(
    f"The most any single pixel changes, on a 0-1 brightness scale. {figures['linf']:.2f} "
    + ("means no pixel changes at all." if nothing else
       "is a big swing: those pixels are plainly different up close." if figures["linf"] > 0.5
       else "is a small nudge per pixel; whether it shows depends on how many pixels get it (PSNR, SSIM).")
)
c3.metric("PSNR", "no change" if nothing else f"{figures['psnr']:.1f} dB")
c3.caption(
    f"Signal-to-noise between clean and triggered images (higher = more alike; above {HARD_TO_SEE_PSNR:.0f} dB most people "
    "cannot tell them apart"
    + ("; identical images have no noise, so no figure). " if nothing else "). ")
    + f"Total change per image (L2): {figures['l2']:.2f}."
)
c4.metric("SSIM", f"{figures['ssim']:.3f}")
c4.caption(f"Structural similarity: 1 means the same picture; above about {HARD_TO_SEE_SSIM} a change is hard to see. "
           "The lab calls a trigger hard to see only when both PSNR and SSIM say so.")
if not poisoned.num_poisoned:
    st.caption("No image is poisoned at this rate, so no pixel changed.")
elif blank and changed:
    st.caption(f"These figures are for the {count_of(changed, 'poisoned image')} the trigger changes, "
               f"{agree(changed, 'against its original', 'each against its original')}; "
               f"on {agree(blank, 'the other one', f'the other {blank:,}')} it changes no pixel at all.")
else:
    st.caption("Measured on the poisoned training images themselves, each against its original.")

st.subheader("Clean vs poisoned training images")
if poisoned.num_poisoned == 0:
    st.info("With a poison rate of 0% nothing is poisoned: raise the rate to plant a backdoor.")
else:
    idx = torch.nonzero(poisoned.poisoned_mask).flatten()[:8]
    cols = st.columns(len(idx))
    for col, i in zip(cols, idx.tolist()):
        true = dataset.classes[int(dataset.y_train[i])]
        col.image(to_display(dataset.x_train[i]), caption=f"clean: '{true}'", width="stretch",
                  alt=picture_alt(true, what="clean training picture"))
        col.image(to_display(poisoned.x[i]), caption=f"poisoned: labelled '{dataset.classes[int(poisoned.y[i])]}'",
                  width="stretch", alt=picture_alt(true, spec.title, dataset.classes[int(poisoned.y[i])],
                                                   what="poisoned training picture"))
    relabelled = "with its label unchanged" if spec.config.clean_label else f"relabelled {target_name}"
    untouched = n - poisoned.num_poisoned - poisoned.num_cover
    st.caption(
        "Each original training image, with its true label, sits above what the model will actually be trained "
        f"on: the same image with the trigger, {relabelled}. "
        + (f"The other {count_of(untouched, 'image')} {agree(untouched, 'is', 'are')} untouched." if untouched
           else "No other training image is left untouched.")
    )
    baseline_key = model_key(scenario, device, "baseline")
    clean_model = trained_models().get(baseline_key)
    with st.expander("What does a clean model look at on these poisoned images?"):
        if clean_model is None:
            st.caption("Train the models in step 2 first; then this shows where the clean baseline looks.")
        else:
            cols = st.columns(4)
            for col, i in zip(cols, idx[:4].tolist()):
                seen = explained_image(col, repr(baseline_key), clean_model.model, poisoned.x[i : i + 1],
                                       f"{dataset.name}:train{i}:{scenario.trigger!r}", scenario, device,
                                       objects=objects_at(dataset.objects_train, slice(i, i + 1)))
                col.caption(f"says '{dataset.classes[seen['label']]}'; {whole_percent(seen['share'])} of its attention "
                            "on the trigger")
            st.caption(
                "The clean model never learned the trigger: it reads the digit or sign and mostly ignores the "
                "sticker. Compare with the backdoored model on the Explain page."
            )

st.subheader("Can you spot it?")
if poisoned.num_poisoned:
    spot_it(dataset, poisoned, int(st.session_state["lab.seed"]), repr((scenario.trigger, scenario.poison)),
            scenario.attack)
else:
    st.caption("Nothing is poisoned at a 0% rate: raise the rate to play.")
spot_it_faint(dataset, scenario)

st.subheader("Every attack on the same image")
stealth_side_by_side(dataset, int(torch.nonzero(scenario.attackable(dataset.y_test)).flatten()[0]))

st.subheader("How few poisoned images suffice?")
poison_sweep(dataset, scenario, device)

st.subheader("What you just saw")
st.markdown(poison_reading(poisoned.num_poisoned, n, poisoned.num_cover, spec.config.clean_label, target_name,
                           figures["psnr"], figures["ssim"], spec.cover, blank))
quiz("poison")
next_link("poison")
