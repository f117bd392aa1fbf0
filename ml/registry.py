"""MLflow tracking and the model registry: one experiment per model, every training run logged,
each new version registered as ``challenger`` and promoted to ``champion`` only when it beats the
champion on the same test window (the decision and both figures are logged on the run)."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from pathlib import Path

CHAMPION, CHALLENGER = "champion", "challenger"
log = logging.getLogger(__name__)


def connect(tracking_uri: str, artifact_root: Path) -> None:
    """Point MLflow at the store; artifacts of new experiments go under ``artifact_root``."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    # mlflow.set_tracking_uri also exports MLFLOW_TRACKING_URI, which would then override the
    # store of any later run in this process (another RELANCE_HOME): keep the user's value.
    user_setting = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    if user_setting is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = user_setting
    os.environ["RELANCE_MLFLOW_ARTIFACTS"] = str(artifact_root)


def use_experiment(name: str) -> str:
    import mlflow

    existing = mlflow.get_experiment_by_name(name)
    if existing is None:
        root = Path(os.environ.get("RELANCE_MLFLOW_ARTIFACTS", "mlartifacts")).resolve()
        root.mkdir(parents=True, exist_ok=True)
        experiment_id = mlflow.create_experiment(name, artifact_location=(root / name).as_uri())
    else:
        experiment_id = existing.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def champion_version(model_name: str):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return MlflowClient().get_model_version_by_alias(model_name, CHAMPION)
    except MlflowException:
        return None


def load_champion(model_name: str):
    """The champion's fitted model, or None before any promotion."""
    import mlflow

    version = champion_version(model_name)
    if version is None:
        return None, None
    return mlflow.sklearn.load_model(f"models:/{model_name}@{CHAMPION}"), version.version


# Types beyond scikit-learn's defaults that our models contain. MLflow stores models with skops,
# which refuses to load unlisted types; these are ours, built by our own training runs.
TRUSTED_TYPES = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


def register_and_promote(model_name: str, model, input_example, metric: str, challenger_score: float,
                         score_champion: Callable[[object], float], baseline_score: float,
                         trusted_types: tuple[type, ...] = ()) -> dict:
    """Log ``model`` on the active run, register it as challenger, and promote it to champion if
    its ``metric`` (lower is better) beats both the named baseline and the current champion on
    the same test rows. A model no better than the baseline never scores the book, even first."""
    import mlflow
    import sklearn
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    signature = infer_signature(input_example, model.predict(input_example))
    info = mlflow.sklearn.log_model(model, name="model", signature=signature, input_example=input_example.head(5),
                                    registered_model_name=model_name,
                                    pip_requirements=[f"scikit-learn=={sklearn.__version__}", "pandas"],
                                    skops_trusted_types=TRUSTED_TYPES + [f"{t.__module__}.{t.__name__}" for t in trusted_types])
    version = info.registered_model_version
    client = MlflowClient()
    client.set_registered_model_alias(model_name, CHALLENGER, version)
    current, current_version = load_champion(model_name)
    champion_score = math.nan
    if current is not None:
        try:
            champion_score = float(score_champion(current))
        except Exception as err:  # a champion that cannot score today's features cannot stay champion
            log.warning("champion v%s of %s cannot be evaluated (%s): promoting the challenger",
                        current_version, model_name, err)
    beats_baseline = challenger_score < baseline_score
    promote = beats_baseline and (current is None or math.isnan(champion_score) or challenger_score < champion_score)
    if promote:
        client.set_registered_model_alias(model_name, CHAMPION, version)
    decision = {"metric": metric, "promoted": promote, "version": int(version), "previous_champion": current_version,
                f"challenger_{metric}": challenger_score, f"champion_{metric}": champion_score,
                f"baseline_{metric}": baseline_score, "beats_baseline": beats_baseline}
    mlflow.log_metrics({f"challenger_{metric}": challenger_score,
                        **({f"champion_{metric}": champion_score} if not math.isnan(champion_score) else {})})
    if not beats_baseline:
        log.warning("%s v%s does not beat its baseline (%s %.4f vs %.4f): not promoted",
                    model_name, version, metric, challenger_score, baseline_score)
    mlflow.set_tags({"promotion": "champion" if promote else "kept challenger",
                     "previous_champion_version": str(current_version)})
    mlflow.log_dict(decision, "promotion_decision.json")
    return decision


def reference_features(model_name: str):
    """The training-feature sample logged with the champion's run (drift reference)."""
    import mlflow
    import pandas as pd

    version = champion_version(model_name)
    if version is None:
        return None
    path = mlflow.artifacts.download_artifacts(run_id=version.run_id, artifact_path="reference/reference_features.parquet")
    return pd.read_parquet(path)


def log_drift_report(experiment: str, as_of: str, result) -> str:
    """A run per scoring day in the model's experiment: drift share, drifted features, the HTML."""
    import mlflow

    use_experiment(experiment)
    with mlflow.start_run(run_name=f"drift-{as_of}") as run:
        mlflow.set_tag("kind", "drift_report")
        mlflow.log_param("as_of_date", as_of)
        mlflow.log_metric("drifted_share", result.drifted_share)
        mlflow.log_dict({"drifted_features": result.drifted_features}, "drifted_features.json")
        mlflow.log_artifact(str(result.report_path), artifact_path="drift")
    return run.info.run_id
