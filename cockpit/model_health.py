"""Latest training metrics against their baselines, read from the MLflow store (optional).

ml/ logs each training run with the model's metrics (``mae``) next to the named baselines'
(``baseline_<name>_mae``); a model that no longer beats its baselines is the first thing the
team should see. MLflow is imported only here, when the page asks, because it is slow to load.
"""

from __future__ import annotations

import pandas as pd

BASELINE = "baseline_"
COLUMNS = ["experiment", "run_name", "trained_at", "metric", "model", "baseline", "baseline_value", "beats_baseline"]
LOWER_IS_BETTER = ("mae", "rmse", "brier", "log_loss", "pinball", "error")


def compare(metrics: dict[str, float]) -> list[dict]:
    """Pairs each model metric ``m`` with every ``baseline_<name>_m`` logged beside it."""
    rows = []
    for metric, value in sorted(metrics.items()):
        if metric.startswith(BASELINE):
            continue
        suffix = f"_{metric}"
        for key, baseline_value in sorted(metrics.items()):
            if key.startswith(BASELINE) and key.endswith(suffix):
                lower = any(word in metric for word in LOWER_IS_BETTER)
                rows.append(
                    {
                        "metric": metric,
                        "model": value,
                        "baseline": key[len(BASELINE) : -len(suffix)],
                        "baseline_value": baseline_value,
                        "beats_baseline": value < baseline_value if lower else value > baseline_value,
                    }
                )
    return rows


def latest_vs_baselines(tracking_uri: str, prefix: str = "relance-") -> pd.DataFrame:
    """For each of Relance's experiments, its latest run that logged baselines, metric by metric."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    rows = []
    for experiment in client.search_experiments(filter_string=f"name LIKE '{prefix}%'"):
        runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"], max_results=50)
        run = next((r for r in runs if any(k.startswith(BASELINE) for k in r.data.metrics)), None)
        if run is None:
            continue
        trained_at = pd.Timestamp(run.info.start_time, unit="ms")
        rows += [
            {"experiment": experiment.name, "run_name": run.info.run_name, "trained_at": trained_at} | row
            for row in compare(run.data.metrics)
        ]
    return pd.DataFrame(rows, columns=COLUMNS)
