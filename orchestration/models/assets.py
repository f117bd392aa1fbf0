"""Model training (weekly and on demand) and daily scoring with drift monitoring."""

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from orchestration import settings
from orchestration.marts.assets import relance_dbt_models
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions
from orchestration.resources import MlflowResource, WarehouseResource

TRAINING_INPUTS = [get_asset_key_for_model([relance_dbt_models], m) for m in (
    "fct_invoices", "fct_payments", "fct_contacts", "fct_disputes", "fct_promises_to_pay")]
INVOICE_SCORES = dg.AssetKey(["ml", "invoice_scores"])
CUSTOMER_SCORES = dg.AssetKey(["ml", "customer_scores"])


def _load(warehouse: WarehouseResource):
    from ml import data

    with warehouse.connect(read_only=True) as con:
        return data.load(con), data.as_of_date(con)


def _training_result(result: dict) -> dg.MaterializeResult:
    metrics = {k: round(v, 4) for k, v in result["metrics"].items() if pd.notna(v)}
    metric = result["metric"]
    summary = (f"test {metric} {metrics[metric]:.3f} (customer-history baseline "
               f"{metrics[f'baseline_customer_history_{metric}']:.3f})")
    return dg.MaterializeResult(metadata={
        "mlflow_run_id": result["run_id"], "registered_version": result["version"],
        "promoted_to_champion": result["promoted"], "summary": summary, "metrics": dg.MetadataValue.json(metrics)})


def build_training_asset(name: str, module_name: str, description: str) -> dg.AssetsDefinition:
    """Train one model (``ml.<module_name>.run_training``): logged to MLflow, registered as
    challenger, promoted to champion only when it beats it."""

    @dg.asset(name=name, group_name="ml_training", deps=TRAINING_INPUTS, compute_kind="scikit-learn",
              description=description)
    def _train(warehouse: WarehouseResource, mlflow: MlflowResource) -> dg.MaterializeResult:
        import importlib

        mlflow.connect()
        data, as_of = _load(warehouse)
        return _training_result(importlib.import_module(f"ml.{module_name}").run_training(data, as_of))

    return _train


payment_delay_model = build_training_asset(
    "payment_delay_model", "payment_delay",
    "Payment-delay model (P10/P50/P90 days late, P(> 30 days late)) trained on the latest marts, evaluated on "
    "a time-ordered test window against named baselines.")
self_cure_model = build_training_asset(
    "self_cure_model", "self_cure",
    "Self-cure model: P(an overdue invoice is paid within 14 days without a reminder), learnt from the "
    "customers the dunning policy held out.")


@dg.multi_asset(
    specs=[dg.AssetSpec(INVOICE_SCORES, group_name="ml_scoring", deps=TRAINING_INPUTS,
                        description="Champion scores of every open invoice: days late P10/P50/P90, "
                                    "P(> 30 days late), P(self-cure) for overdue ones."),
           dg.AssetSpec(CUSTOMER_SCORES, group_name="ml_scoring", deps=[INVOICE_SCORES],
                        description="Per-customer payment-delay risk and self-cure probability.")],
    check_specs=[dg.AssetCheckSpec("feature_drift", asset=INVOICE_SCORES,
                                   description="Warns when the share of drifted features passes the threshold.")],
    partitions_def=daily_partitions, backfill_policy=ONE_RUN_PER_DAY, compute_kind="scikit-learn")
def ml_scores(context: dg.AssetExecutionContext, warehouse: WarehouseResource, mlflow: MlflowResource):
    from ml import registry, scores

    mlflow.connect()
    data, as_of = _load(warehouse)
    delay_model, delay_version = registry.load_champion("payment_delay")
    cure_model, cure_version = registry.load_champion("self_cure")
    if delay_model is None:
        context.log.warning("no payment_delay champion yet: run training_job (make run does on its first run)")
        invoice_scores, X = pd.DataFrame(columns=["invoice_id"]), pd.DataFrame()
    else:
        invoice_scores, X = _score(delay_model, delay_version, cure_model, data, as_of)
    drift_result = _drift(context.partition_key, X, delay_version)
    with warehouse.connect() as con:
        written = scores.write(con, context.partition_key, invoice_scores)
        if drift_result is not None:
            scores.record_drift(con, context.partition_key, "payment_delay", drift_result)
    yield dg.MaterializeResult(asset_key=INVOICE_SCORES, metadata={"rows": written["invoices"],
                               "payment_delay_version": str(delay_version), "self_cure_version": str(cure_version)})
    yield dg.MaterializeResult(asset_key=CUSTOMER_SCORES, metadata={"rows": written["customers"]})
    yield _drift_check(drift_result)


def _score(delay_model, delay_version, cure_model, data, as_of):
    from ml import payment_delay, self_cure

    delay, X = payment_delay.score(delay_model, data, as_of)
    out = delay.rename(columns={"p10": "p10_days_late", "p50": "p50_days_late", "p90": "p90_days_late"})
    if cure_model is not None:
        cure = self_cure.score(cure_model, data, as_of, X_open=X)
        out = out.merge(cure[["invoice_id", "p_self_cure"]], on="invoice_id", how="left")
    else:
        out["p_self_cure"] = float("nan")
    return out.assign(model_version=f"payment_delay:{delay_version}"), X


def _drift(partition: str, X: pd.DataFrame, version):
    """Today's scoring features against the champion's training reference (None: nothing to compare)."""
    from ml import drift, payment_delay, registry

    reference = registry.reference_features(payment_delay.MODEL_NAME) if version is not None else None
    if reference is None or X.empty:
        return None
    result = drift.drift_report(reference, X, settings.home() / "reports" / "drift" / partition / "payment_delay.html")
    registry.log_drift_report(payment_delay.EXPERIMENT, partition, result)
    return result


def _drift_check(result) -> dg.AssetCheckResult:
    from ml import drift

    if result is None:
        return dg.AssetCheckResult(check_name="feature_drift", asset_key=INVOICE_SCORES, passed=True,
                                   metadata={"skipped": "no champion or nothing to score"})
    return dg.AssetCheckResult(
        check_name="feature_drift", asset_key=INVOICE_SCORES, passed=not result.drifted,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"drifted_share": round(result.drifted_share, 3), "threshold": drift.DRIFT_SHARE_THRESHOLD,
                  "drifted_features": dg.MetadataValue.json(result.drifted_features),
                  "report": dg.MetadataValue.path(str(result.report_path))})
