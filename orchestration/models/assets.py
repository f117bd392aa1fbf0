"""Model training (weekly and on demand) and daily scoring with drift monitoring, one training
asset per model spec (ml.specs.SPECS) and one scoring asset for all of them."""

from contextlib import contextmanager

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from ml.specs import SPECS
from orchestration import settings
from orchestration.marts.assets import relance_dbt_models
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions, require_marts_of
from orchestration.resources import ComputeResource, MlflowResource, ScoresResource, WarehouseResource

TRAINING_INPUTS = [
    get_asset_key_for_model([relance_dbt_models], m)
    for m in (
        "fct_invoices",
        "fct_payments",
        "fct_contacts",
        "fct_disputes",
        "fct_promises_to_pay",
        "fct_inbound_messages",
    )
]
INVOICE_SCORES = dg.AssetKey(["ml", "invoice_scores"])
CUSTOMER_SCORES = dg.AssetKey(["ml", "customer_scores"])
# Models of another grain than the invoice write a table of their own (ml.spec.Output).
OTHER_OUTPUTS = {spec.output.table: spec for spec in SPECS if spec.output.table != "invoice_scores"}


def training_asset_name(model_name: str) -> str:
    return f"{model_name}_model"


@contextmanager
def _marts(warehouse: WarehouseResource, partition_key: str | None = None):
    """The marts the models read (each table read when a model first asks: ml.data.Marts), and
    their day, checked against the scoring partition's. The warehouse is open read-only inside."""
    from ml import data

    with warehouse.connect(read_only=True) as con:
        as_of = data.as_of_date(con)
        if partition_key is not None:
            require_marts_of(partition_key, as_of, warehouse)
        yield data.Marts(con), as_of


def _training_result(model_name: str, result: dict) -> dg.MaterializeResult:
    """The run's figures, and links to its run and registered version in the MLflow UI."""
    from ml import registry

    metrics = {k: round(v, 4) for k, v in result["metrics"].items() if pd.notna(v)}
    summary = "; ".join(
        f"test {g['metric']} {g['challenger']:.3f} ({g['baseline']} baseline {g['baseline_value']:.3f}"
        + (f", champion {g['champion']:.3f})" if "champion" in g else ")")
        for g in result["gates"]
    )
    ui = settings.mlflow_ui_url()
    return dg.MaterializeResult(
        metadata={
            "mlflow_run_id": result["run_id"],
            "mlflow_run": dg.MetadataValue.url(registry.run_url(ui, result["experiment_id"], result["run_id"])),
            "registered_version": result["version"],
            "mlflow_model_version": dg.MetadataValue.url(registry.version_url(ui, model_name, result["version"])),
            "promoted_to_champion": result["promoted"],
            "summary": summary,
            "metrics": dg.MetadataValue.json(metrics),
        }
    )


def build_training_asset(spec) -> dg.AssetsDefinition:
    """Train one model (ml.training.run_training): logged to MLflow, registered as challenger,
    promoted to champion only when it passes its gates (ml/config/gates.yaml)."""

    @dg.asset(
        name=training_asset_name(spec.name),
        group_name="ml_training",
        deps=TRAINING_INPUTS,
        compute_kind="scikit-learn",
        description=spec.description,
    )
    def _train(warehouse: WarehouseResource, mlflow: MlflowResource) -> dg.MaterializeResult:
        from ml import training

        mlflow.connect()
        with _marts(warehouse) as (data, as_of):
            result = training.run_training(spec, data, as_of)
        return _training_result(spec.name, result)

    return _train


training_assets = [build_training_asset(spec) for spec in SPECS]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            INVOICE_SCORES,
            group_name="ml_scoring",
            deps=TRAINING_INPUTS,
            description="Champion scores of every open invoice, the columns of every model in ml.specs: "
            "days late P10/P50/P90, P(> 30 days late), P(self-cure) for overdue ones.",
        ),
        dg.AssetSpec(
            CUSTOMER_SCORES,
            group_name="ml_scoring",
            deps=[INVOICE_SCORES],
            description="Per-customer payment-delay risk and self-cure probability.",
        ),
        *(
            dg.AssetSpec(
                dg.AssetKey(["ml", table]), group_name="ml_scoring", deps=TRAINING_INPUTS, description=spec.description
            )
            for table, spec in OTHER_OUTPUTS.items()
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "feature_drift",
            asset=INVOICE_SCORES,
            description="Warns when, for any model, the share of drifted features passes "
            "the threshold (one report per model).",
        )
    ],
    partitions_def=daily_partitions,
    backfill_policy=ONE_RUN_PER_DAY,
    compute_kind="scikit-learn",
)
def ml_scores(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    mlflow: MlflowResource,
    scores: ScoresResource,
    compute: ComputeResource,
):
    from ml import drift, registry, scoring
    from ml import scores as score_tables

    mlflow.connect()
    champions = scoring.load_champions(SPECS)
    for name in (n for n, c in champions.items() if c is None):
        context.log.warning(f"no {name} champion yet: run training_job (make run does on its first run)")
    with _marts(warehouse, context.partition_key) as (data, as_of):  # closed before the scores are written
        scored = scores.score(champions, data, as_of, apply=compute.score_apply())
        invoice_scores = scoring.invoice_scores(scored, data, SPECS)
    folder = settings.home() / "reports" / "drift" / context.partition_key
    drifts = {s.spec.name: drift.monitor(s.spec.name, s.features, context.partition_key, folder) for s in scored}
    with warehouse.connect() as con:
        written = score_tables.write(con, context.partition_key, invoice_scores, scoring.other_tables(scored, SPECS))
        for name, result in drifts.items():
            if result is not None:
                score_tables.record_drift(con, context.partition_key, name, result)
    versions = {f"{name}_version": str(c.version if c else None) for name, c in champions.items()}
    ui = settings.mlflow_ui_url()
    links = {
        f"{name}_champion": dg.MetadataValue.url(registry.version_url(ui, name, c.version))
        for name, c in champions.items()
        if c
    }
    yield dg.MaterializeResult(
        asset_key=INVOICE_SCORES, metadata={"rows": written["invoice_scores"], **versions, **links}
    )
    yield dg.MaterializeResult(asset_key=CUSTOMER_SCORES, metadata={"rows": written["customer_scores"]})
    for table in OTHER_OUTPUTS:
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["ml", table]), metadata={"rows": written[table]})
    yield _drift_check({name: r for name, r in drifts.items() if r is not None})


def _drift_check(results: dict) -> dg.AssetCheckResult:
    from ml import drift, registry

    if not results:
        return dg.AssetCheckResult(
            check_name="feature_drift",
            asset_key=INVOICE_SCORES,
            passed=True,
            metadata={"skipped": "no champion or nothing to score"},
        )
    per_model = {
        name: {
            "drifted_share": round(r.drifted_share, 3),
            "drifted_features": r.drifted_features,
            "report": str(r.report_path),
            "mlflow_run": registry.run_url(settings.mlflow_ui_url(), r.experiment_id, r.run_id),
        }
        for name, r in results.items()
    }
    return dg.AssetCheckResult(
        check_name="feature_drift",
        asset_key=INVOICE_SCORES,
        passed=not any(r.drifted for r in results.values()),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "threshold": drift.DRIFT_SHARE_THRESHOLD,
            "drifted_models": dg.MetadataValue.json(sorted(n for n, r in results.items() if r.drifted)),
            "per_model": dg.MetadataValue.json(per_model),
        },
    )
