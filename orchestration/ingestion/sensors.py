"""Start the daily job when a new drop folder appears in the drop root."""

import dagster as dg

from orchestration.resources import ErpSourceResource


def build_new_drop_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Runs the daily job for each drop folder (YYYY-MM-DD) newer than the last one seen.",
    )
    def new_drop_folder(context: dg.SensorEvaluationContext, erp_source: ErpSourceResource):
        source = erp_source.source()
        if source.kind == "simulator":
            return dg.SkipReason("the simulator writes its drops during runs; the daily schedule drives it")
        seen = context.cursor or ""
        new = [p for p in source.partitions() if p > seen]
        if not new:
            return dg.SkipReason(f"no drop folder newer than {seen or 'none'} in {source.drop_root}")
        context.update_cursor(new[-1])
        return [dg.RunRequest(run_key=p, partition_key=p) for p in new]

    return new_drop_folder
