"""Shared, cached resources: data sets, poisoned sets and trained models.

Everything returned here is shared between users and reruns: never mutate it.
"""

from __future__ import annotations

import streamlit as st
import torch

from backdoor.attacks import Poisoned
from backdoor.datasets import Dataset, DATASETS, DatasetSpec, DatasetUnavailable, load_dataset
from backdoor.device import resolve_device
from backdoor.memo import SharedMemo
from backdoor.scenario import Scenario, poisoned_training_set
from backdoor.train import TrainResult
from ui.jobs import shared_memo


@st.cache_resource(max_entries=4, show_spinner=False)
def _dataset(name: str, seed: int, download: bool) -> Dataset:
    return load_dataset(name, seed=seed, **({"download": True} if download else {}))


def _loading(spec: DatasetSpec, seed: int) -> str:
    """ "Loading Traffic signs...", and what its first load on this machine still takes."""
    note = spec.first_load_note(seed)
    return f"Loading {spec.short_title}..." + (f" {note}" if note else "")


def dataset_named(name: str, seed: int) -> Dataset:
    """An offline data set by name (a class's, whatever the sidebar says), loaded once per server; a
    first load that takes a while (the traffic signs drawn) says so while the user waits."""
    spec = DATASETS[name]
    if spec.first_load_note(seed) is None:  # read in a blink: no spinner flashing by
        return _dataset(name, seed, False)
    with st.spinner(_loading(spec, seed), show_time=True):  # the seconds so far, beside the words
        return _dataset(name, seed, False)


def class_count(name: str, seed: int) -> int:
    """How many classes a data set has (loading it, cached, if this server has not yet)."""
    return dataset_named(name, seed).num_classes


def current_dataset() -> Dataset:
    """The sidebar's data set; on failure, a clear message (and a download button) then stop."""
    name, seed = st.session_state["lab.dataset"], int(st.session_state["lab.seed"])
    spec = DATASETS[name]
    download = bool(st.session_state.get(f"lab.download.{name}"))
    try:
        with st.spinner(_loading(spec, seed), show_time=True):
            return _dataset(name, seed, download and not spec.offline)
    except DatasetUnavailable as error:
        st.error(f"**{spec.short_title} is not available.** {error}")
        if not spec.offline and st.button(f"Download {spec.short_title} now", key=f"btn.download.{name}"):
            st.session_state[f"lab.download.{name}"] = True
            st.rerun()
        st.stop()


def current_device() -> torch.device:
    return resolve_device(st.session_state["lab.device"])


@st.cache_resource(max_entries=8, show_spinner=False)
def _poisoned(_dataset: Dataset, _scenario: Scenario, key: str) -> Poisoned:
    return poisoned_training_set(_dataset, _scenario)


def poisoned_set(dataset: Dataset, scenario: Scenario) -> Poisoned:
    key = repr((dataset.name, scenario.data_seed, scenario.trigger, scenario.poison))
    return _poisoned(dataset, scenario, key)


def trained_models() -> SharedMemo[TrainResult]:
    """One memo of trained models for the whole server (see backdoor/memo.py)."""
    return shared_memo("models", 12)


def model_key(scenario: Scenario, device: torch.device, kind: str) -> tuple:
    """The full configuration a trained model depends on; the baseline ignores the attack."""
    return (kind, scenario.baseline() if kind == "baseline" else scenario, str(device))
