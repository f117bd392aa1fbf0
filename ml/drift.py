"""Feature drift of each model's scoring rows against its champion's training-day reference, with
Evidently: every model is monitored, one report (and one ml.drift_reports row) per model per day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

DRIFT_SHARE_THRESHOLD = 0.3  # warn (and retrain) when more than this share of features drifted
# Today's rows are compared as a seeded sample of the reference's size (ml.training.REFERENCE_ROWS):
# a K-S test is limited by its smaller side anyway, and Evidently on the whole book of 100,000
# customers (hundreds of thousands of rows, up to 91 features) took most of the scoring step.
CURRENT_ROWS = 5000
SEED = 42


@dataclass(frozen=True)
class DriftResult:
    drifted_share: float
    drifted_features: list[str]
    report_path: Path
    experiment_id: str | None = None  # the MLflow run the report was logged as
    run_id: str | None = None

    @property
    def drifted(self) -> bool:
        return self.drifted_share > DRIFT_SHARE_THRESHOLD


def drift_report(reference: pd.DataFrame, current: pd.DataFrame, html_path: Path) -> DriftResult:
    """Per-feature drift tests (Evidently defaults: K-S for numeric columns) saved as HTML."""
    # Evidently's telemetry is off through DO_NOT_TRACK, set by the Makefile and orchestration.
    from evidently import Report
    from evidently.presets import DataDriftPreset

    # numeric features only: a message's text or timestamp has no K-S test (its lengths and scores do)
    columns = [
        c
        for c in reference.columns
        if c in current.columns and reference[c].nunique() > 1 and pd.api.types.is_numeric_dtype(reference[c])
    ]
    current = current_sample(current)
    snapshot = Report([DataDriftPreset(columns=columns)]).run(
        current_data=current[columns].astype(float), reference_data=reference[columns].astype(float)
    )
    html_path.parent.mkdir(parents=True, exist_ok=True)
    snapshot.save_html(str(html_path))
    drifted = []
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        if not str(config.get("type", "")).endswith("ValueDrift"):
            continue
        value, threshold, method = float(metric["value"]), float(config["threshold"]), str(config.get("method", ""))
        p_value_method = "p_value" in method
        if (value < threshold) if p_value_method else (value >= threshold):
            drifted.append(config["column"])
    return DriftResult(len(drifted) / max(len(columns), 1), sorted(drifted), html_path)


def current_sample(current: pd.DataFrame) -> pd.DataFrame:
    """At most CURRENT_ROWS of today's rows, the same ones for the same rows (seeded)."""
    return current.sample(CURRENT_ROWS, random_state=SEED) if len(current) > CURRENT_ROWS else current


def monitor(model_name: str, current: pd.DataFrame, as_of: str, folder: Path) -> DriftResult | None:
    """Today's scoring features of one model against its champion's reference (logged with the
    champion's training run); the report is logged as a run of the model's drift experiment
    (``experiment_id``, ``run_id``). None when there is nothing to compare (no champion, or nothing scored today)."""
    from ml import registry

    reference = registry.reference_features(model_name)
    if reference is None or current.empty:
        return None
    result = drift_report(reference, current, folder / f"{model_name}.html")
    experiment_id, run_id = registry.log_drift_report(model_name, as_of, result)
    return replace(result, experiment_id=experiment_id, run_id=run_id)
