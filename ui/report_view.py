"""Download the session as one self-contained HTML report."""

from __future__ import annotations

import streamlit as st
import torch

from backdoor.datasets import Dataset, objects_at
from backdoor.metrics import Evaluation, predict
from backdoor.outcomes import Outcome
from backdoor.report import SessionReport, render
from backdoor.scenario import Scenario
from backdoor.train import TrainResult
from ui.training import KINDS, model_figures


def build_report(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult], device: torch.device,
                 defenses: list[Outcome]) -> str:
    figures = model_figures(dataset, scenario, device, models)
    x_eval, y_eval = dataset.held_out
    rows = torch.nonzero(scenario.attackable(y_eval)).flatten()[:6]
    examples = x_eval[rows]
    triggered = scenario.stamp(examples, objects_at(dataset.held_out_objects, rows))
    model = models["backdoored"].model
    clean_pred, trig_pred = predict(model, examples, device), predict(model, triggered, device)
    report = SessionReport(
        dataset=dataset.name, classes=dataset.classes, scenario=scenario,
        backdoored=Evaluation(figures["backdoored"]["clean_acc"], figures["backdoored"]["asr"]),
        baseline=Evaluation(figures["baseline"]["clean_acc"], figures["baseline"]["asr"]),
        histories={kind: models[kind].history for kind in KINDS},
        examples=examples, triggered=triggered,
        predictions=[(dataset.classes[int(a)], dataset.classes[int(b)]) for a, b in zip(clean_pred, trig_pred)],
        defenses=defenses, held_out=len(y_eval),
    )
    return render(report)


def report_download(dataset: Dataset, scenario: Scenario, models: dict[str, TrainResult], device: torch.device,
                    defenses: list[Outcome], settings_id: str) -> None:
    st.subheader("Take it with you")
    key = ("report", settings_id, tuple(defenses))  # any new or changed defense result makes a new report
    if st.session_state.get("report.key") != key:
        if st.button("Prepare the session report", key="btn.report", icon=":material/description:"):
            with st.spinner("Drawing the figures..."):
                st.session_state["report.html"] = build_report(dataset, scenario, models, device, defenses)
                st.session_state["report.key"] = key
            st.rerun()
        st.caption("One HTML file with the settings, the measured figures, the pictures, every defense run in this "
                   "session and a plain-language conclusion. It opens offline in any browser.")
        return
    st.download_button("Download the report (HTML)", st.session_state["report.html"],
                       file_name="backdoor-lab-report.html", mime="text/html", icon=":material/download:",
                       key="btn.report.download")
