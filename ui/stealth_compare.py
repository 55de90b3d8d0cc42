"""The same images under every attack, with how visible each trigger is."""

from __future__ import annotations

import streamlit as st
import torch

from backdoor.attacks import ATTACKS, apply_trigger, stealth
from backdoor.datasets import Dataset
from ui.alt_text import picture_alt
from ui.charts import to_display


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
        rows.append({"attack": ATTACKS[name].title, "L∞ (largest pixel change)": round(f["linf"], 3),
                     "PSNR (dB)": round(f["psnr"], 1), "SSIM (1 = identical)": round(f["ssim"], 3)})
    st.dataframe(rows, hide_index=True, width="stretch")
    by_psnr = max(rows, key=lambda r: r["PSNR (dB)"])
    by_ssim = max(rows, key=lambda r: r["SSIM (1 = identical)"])
    if by_psnr is by_ssim:
        verdict = f"Both figures call **{by_psnr['attack']}** the least visible here."
    else:
        verdict = (f"The two figures disagree: by PSNR the faintest change is **{by_psnr['attack']}** "
                   f"({by_psnr['PSNR (dB)']:.1f} dB), by SSIM it is **{by_ssim['attack']}** "
                   f"({by_ssim['SSIM (1 = identical)']:.3f}), because SSIM judges local structure and a change "
                   "confined to a small area leaves most of the picture's structure intact.")
    st.caption(
        "Higher PSNR and SSIM mean harder to see. " + verdict + " Neither number says whether a *person* would "
        "notice, or would care: a patch can pass for a smudge, and SIG's stripes sit on images whose labels are "
        "all correct."
    )
