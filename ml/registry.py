"""MLflow tracking and the model registry: one experiment per model, every training run logged,
each new version registered as ``challenger`` and promoted to ``champion`` only when it passes
its promotion gates (ml/config/gates.yaml) against its baselines and the champion on the same
test window (the decision and the figures are logged on the run). Champions are loaded through
the pyfunc flavour, so scoring enforces the signature they were logged with."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from pathlib import Path

CHAMPION, CHALLENGER = "champion", "challenger"
log = logging.getLogger(__name__)
_artifact_root = Path("mlartifacts")  # where new experiments keep their artifacts (set by connect)


def connect(tracking_uri: str, artifact_root: Path) -> None:
    """Point MLflow at the store; artifacts of new experiments go under ``artifact_root``."""
    global _artifact_root
    import mlflow

    # mlflow.set_tracking_uri itself exports MLFLOW_TRACKING_URI, which would then override the
    # store of any later run in this process (another RELANCE_HOME): undo that, keeping whatever
    # the user had set.
    user_setting = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    if user_setting is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = user_setting
    _artifact_root = Path(artifact_root)


# The experiment page's description, and its kind: MLflow 3's UI opens a "custom model
# development" experiment on its runs (without the tag it asks, or guesses GenAI traces).
NOTE_TAG, KIND_TAG, KIND = "mlflow.note.content", "mlflow.experimentKind", "custom_model_development"


def use_experiment(name: str, description: str | None = None) -> str:
    """Create (artifacts under the connected root) or reuse the experiment, make it the active
    one, and keep its description and kind up to date."""
    import mlflow

    existing = mlflow.get_experiment_by_name(name)
    if existing is None:
        root = _artifact_root.resolve()
        root.mkdir(parents=True, exist_ok=True)
        experiment_id = mlflow.create_experiment(name, artifact_location=(root / name.replace("/", "-")).as_uri())
    else:
        experiment_id = existing.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    mlflow.set_experiment_tags({KIND_TAG: KIND} | ({NOTE_TAG: description} if description else {}))
    return experiment_id


def drift_experiment(model_name: str) -> str:
    """Each model's daily drift runs have their own experiment, apart from its training runs."""
    return f"relance/drift/{model_name}"


def describe_version(model_name: str, version: str, model_description: str, notes: str, tags: dict) -> None:
    """The registered model's description, and the version's notes and tags (ml.tracking)."""
    from mlflow import MlflowClient

    client = MlflowClient()
    client.update_registered_model(model_name, description=model_description)
    client.update_model_version(model_name, version, description=notes)
    for key, value in tags.items():
        client.set_model_version_tag(model_name, version, key, value)


def run_url(ui_base: str, experiment_id: str, run_id: str) -> str:
    """The run's page in the MLflow UI served at ``ui_base``."""
    return f"{ui_base.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def version_url(ui_base: str, model_name: str, version) -> str:
    return f"{ui_base.rstrip('/')}/#/models/{model_name}/versions/{version}"


def champion_version(model_name: str):
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return MlflowClient().get_model_version_by_alias(model_name, CHAMPION)
    except MlflowException:
        return None


def ever_trained(model_name: str) -> bool:
    """Whether any version of the model was registered (promoted or not): its last training's
    decision then stands until the next scheduled or drift-triggered training."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return bool(MlflowClient().search_model_versions(f"name = '{model_name}'", max_results=1))
    except MlflowException:
        return False


def load_champion(model_name: str):
    """The champion as an MLflow pyfunc model (its input signature enforced on every predict),
    and its version; (None, None) before any promotion."""
    import mlflow

    version = champion_version(model_name)
    if version is None:
        return None, None
    return mlflow.pyfunc.load_model(f"models:/{model_name}@{CHAMPION}"), version.version


# Types beyond scikit-learn's defaults that our models contain. MLflow stores models with skops,
# which refuses to load unlisted types; these are ours, built by our own training runs.
TRUSTED_TYPES = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


def log_model(model_name: str, model, input_example, trusted_types: tuple[type, ...] = ()) -> str:
    """Log ``model`` on the active run with the signature scoring will enforce (input: the
    feature columns and types; output: the columns its predict returns) and register it as
    challenger. Returns the new version."""
    import mlflow
    import sklearn
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    from ml import tracking

    signature = infer_signature(input_example, model.predict(input_example))
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        signature=signature,
        input_example=tracking.redacted(input_example.head(5)),  # no message text or name in the store
        registered_model_name=model_name,
        pip_requirements=[f"scikit-learn=={sklearn.__version__}", "pandas"],
        skops_trusted_types=TRUSTED_TYPES + [f"{t.__module__}.{t.__name__}" for t in trusted_types],
    )
    MlflowClient().set_registered_model_alias(model_name, CHALLENGER, info.registered_model_version)
    return info.registered_model_version


def promote(
    model_name: str,
    version: str,
    gates: list,
    metrics: dict[str, float],
    evaluate_champion: Callable[[object], dict[str, float]],
) -> dict:
    """Promote ``version`` to champion if it passes ``gates`` (ml.gates) against its baselines
    and the current champion evaluated on the same test rows; log the decision on the run."""
    import mlflow
    from mlflow import MlflowClient

    from ml import gates as promotion

    current, current_version = load_champion(model_name)
    champion_metrics = None
    if current is not None:
        try:
            champion_metrics = evaluate_champion(current)
        except Exception as err:  # noqa: BLE001 — a champion that cannot score today's features cannot stay champion
            log.warning(
                "champion v%s of %s cannot be evaluated (%s): judged on the baselines only",
                current_version,
                model_name,
                err,
            )
    decision = promotion.decide(gates, metrics, champion_metrics)
    if decision["promoted"]:
        MlflowClient().set_registered_model_alias(model_name, CHAMPION, version)
    elif not decision["beats_baseline"]:
        log.warning(
            "%s v%s does not pass its baseline gates: not promoted (%s)",
            model_name,
            version,
            [(g["metric"], g["challenger"], g["baseline_value"]) for g in decision["gates"]],
        )
    decision |= {"version": int(version), "previous_champion": current_version}
    mlflow.log_metrics(
        {
            f"champion_{g['metric']}": g["champion"]
            for g in decision["gates"]
            if "champion" in g and math.isfinite(g["champion"])
        }
    )
    mlflow.set_tags(
        {
            "promotion": "champion" if decision["promoted"] else "kept challenger",
            "previous_champion_version": str(current_version),
        }
    )
    mlflow.log_dict(decision, "promotion_decision.json")
    return decision


def reference_features(model_name: str):
    """The training-feature sample logged with the champion's run (drift reference)."""
    import mlflow
    import pandas as pd

    version = champion_version(model_name)
    if version is None:
        return None
    path = mlflow.artifacts.download_artifacts(
        run_id=version.run_id, artifact_path="reference/reference_features.parquet"
    )
    return pd.read_parquet(path)


def log_drift_report(model_name: str, as_of: str, result) -> tuple[str, str]:
    """A run per scoring day in the model's drift experiment: drift share, drifted features, the
    HTML report, and the champion version it compared against."""
    import mlflow

    champion = champion_version(model_name)
    use_experiment(
        drift_experiment(model_name),
        f"Daily feature drift of {model_name}'s scoring rows against its champion's training-day "
        "reference (Evidently; one run per scoring day, `drift-<date>`): the share of drifted "
        "features, which ones, and the report. Above the threshold the model is retrained.",
    )
    with mlflow.start_run(run_name=f"drift-{as_of}") as run:
        mlflow.set_tags(
            {"kind": "drift_report", "model": model_name, "champion_version": str(champion and champion.version)}
        )
        mlflow.log_param("as_of_date", as_of)
        mlflow.log_metric("drifted_share", result.drifted_share)
        mlflow.log_dict({"drifted_features": result.drifted_features}, "drifted_features.json")
        mlflow.log_artifact(str(result.report_path), artifact_path="drift")
    return run.info.experiment_id, run.info.run_id
