"""The Train page's settings: the training hyperparameters and options."""

from __future__ import annotations

import streamlit as st

from ui.state import BATCH_SIZES, EPOCH_RANGE, LEARNING_RATES, MIXUP_ALPHAS, bind


def training_settings() -> None:
    with st.expander("Training settings", expanded=False):
        c1, c2, c3 = st.columns(3)
        c1.slider("Epochs", *EPOCH_RANGE, **bind("train.epochs"), help="Passes over the training set.")
        c2.select_slider("Batch size", BATCH_SIZES, **bind("train.batch_size"),
                         help="Images per learning step.")
        c3.select_slider("Learning rate", LEARNING_RATES,
                         **bind("train.learning_rate"), help="How big each learning step is. Too big and training falls apart.")
        c1.checkbox("Augmentation (random shifts)", **bind("train.augment"),
                    help="Each training image is moved by up to 2 pixels every time it is seen.")
        c2.select_slider("mixup (alpha)", MIXUP_ALPHAS, **bind("train.mixup"),
                         help="Train on blends of two images and their labels (0 = off). Larger alpha blends more evenly.")
