"""Training job (weekly, on demand, and when drift is detected)."""

import dagster as dg

from erp.warehouse import has_table
from ml.specs import SPECS
from orchestration.models.assets import training_asset_name, training_assets
from orchestration.resources import WarehouseResource

training_job = dg.define_asset_job(
    "training_job",
    selection=dg.AssetSelection.assets(*training_assets),
    executor_def=dg.in_process_executor,
    description="Retrain every model on the latest marts.",
)

weekly_training = dg.ScheduleDefinition(
    name="weekly_training",
    job=training_job,
    cron_schedule="0 4 * * 1",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Mondays at 04:00 UTC: retrain every model on the latest marts (promoted only past its gates).",
)


@dg.sensor(
    job=training_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Retrains the models whose scoring features drifted past the threshold (ml.drift_reports).",
)
def retrain_on_drift(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    if not warehouse.file.exists():
        return dg.SkipReason("no warehouse yet")
    with warehouse.connect(read_only=True) as con:
        drift_reports = has_table(con, "ml.drift_reports")
        rows = (
            con.execute(
                "select as_of_date, model, drifted_share from ml.drift_reports where drifted "
                "and cast(as_of_date as varchar) > ? order by as_of_date",
                [context.cursor or ""],
            ).fetchall()
            if drift_reports
            else []
        )
    models = sorted({model for _, model, _ in rows} & {spec.name for spec in SPECS})
    if not models:
        return dg.SkipReason("no drift above the threshold since the last retrain request")
    latest = str(rows[-1][0])
    context.update_cursor(latest)
    return dg.RunRequest(
        run_key=f"drift-{latest}-{'-'.join(models)}",
        asset_selection=[dg.AssetKey(training_asset_name(m)) for m in models],
        tags={"trigger": "feature_drift", "as_of_date": latest, "models": ",".join(models)},
    )
