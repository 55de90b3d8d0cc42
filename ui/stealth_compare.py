"""The same images under every attack, with how visible each trigger is."""

from __future__ import annotations

import streamlit as st
import torch

from backdoor.attacks import ATTACKS, apply_trigger, stealth
from backdoor.datasets import Dataset
from ui.alt_text import picture_alt
from ui.charts import to_display
from ui.words import and_list


@st.cache_data(max_entries=8, show_spinner=False)
def _figures(dataset_name: str, attack: str, _images: torch.Tensor, _objects) -> dict[str, float]:
    return stealth(_images, apply_trigger(_images, ATTACKS[attack].config(), _objects))


def stealth_side_by_side(dataset: Dataset, index: int) -> None:
    """One test image under every attack that fits the data set (each at its defaults),
    the change itself magnified, and L-infinity, PSNR and SSIM over 200 test images."""
    attacks = [name for name, spec in ATTACKS.items() if spec.fits(dataset.name)]
    image = dataset.x_test[index : index + 1]
    sample = dataset.x_test[:200]
    cols = st.columns(len(attacks) + 1)
    cols[0].image(to_display(image[0]), caption="original", width="stretch",
                  alt=picture_alt(dataset.classes[int(dataset.y_test[index])], what="original test picture"))
    cols[0].caption("Below each attack: the change itself, magnified 5 times.")
    rows = []
    for col, name in zip(cols[1:], attacks):
        triggered = apply_trigger(image, ATTACKS[name].config(), dataset.test_objects(slice(index, index + 1)))
        col.image(to_display(triggered[0]), caption=ATTACKS[name].title.split(" (")[0], width="stretch",
                  alt=picture_alt(dataset.classes[int(dataset.y_test[index])], ATTACKS[name].title,
                                  what="the same test picture"))
        change = ((triggered - image).abs() * 5).clamp(0, 1)
        col.image(to_display(change[0]), width="stretch",
                  alt=f"what {ATTACKS[name].title} changed in the picture, magnified 5 times (dark: unchanged)")
        f = _figures(dataset.name, name, sample, dataset.test_objects(slice(None, 200)))
        # short names, as the matrix's rows: on a phone the figures stay in view beside them
        rows.append({"attack": ATTACKS[name].row_title, "L∞ (largest pixel change)": round(f["linf"], 3),
                     "PSNR (dB)": round(f["psnr"], 1), "SSIM (1 = identical)": round(f["ssim"], 3)})
    st.dataframe(rows, hide_index=True, width="stretch")
    verdict = stealth_verdict(rows)
    st.caption(
        "Each attack at its default settings, stamped as when attacking, on the same 200 test images. The stealth "
        "figures near the top of the page are measured on your own poisoned training images, where SIG and "
        "Adap-Blend use their fainter training strength, so the same attack can score differently there. "
        "Higher PSNR and SSIM mean harder to see. " + verdict + " Neither number says whether a *person* would "
        "notice, or would care: a patch can pass for a smudge, and SIG's stripes sit on images whose labels are "
        "all correct."
    )


def stealth_verdict(rows: list[dict]) -> str:
    """Which attack each figure calls the least visible (every attack tied at the top is named), and
    whether the two figures agree."""
    def faintest(figure: str, unit: str) -> tuple[str, str]:
        top = max(r[figure] for r in rows)
        names = [f"**{r['attack']}**" for r in rows if r[figure] == top]
        verb, each = ("changes are", " each") if len(names) > 1 else ("change is", "")
        return and_list(names), f"{verb} {and_list(names)} ({unit.format(top)}{each})"

    psnr_names, by_psnr = faintest("PSNR (dB)", "{:.1f} dB")
    ssim_names, by_ssim = faintest("SSIM (1 = identical)", "{:.3f}")
    if psnr_names == ssim_names:
        return f"Both figures call {psnr_names} the least visible here."
    return (f"The two figures disagree: by PSNR the faintest {by_psnr}, by SSIM the faintest {by_ssim}, because SSIM "
            "judges local structure and a change confined to a small area leaves most of the picture's structure "
            "intact.")
