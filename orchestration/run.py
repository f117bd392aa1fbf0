"""`make run`: materialize every asset for the latest daily partition, in process, on a
persistent Dagster instance under RELANCE_HOME, then print a short summary."""

from __future__ import annotations

import os
import sys

from orchestration import settings


def main() -> int:
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home())
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.resources import ErpSourceResource, WarehouseResource

    source = ErpSourceResource().source()
    partition = source.latest_partition()
    print(f"Relance: running the daily pipeline for extraction {partition} (source: {source.kind})")
    if settings.sendgrid_api_key() is None:
        print("SENDGRID_API_KEY is not set: e-mail delivery runs in dry-run mode (outbox only).")
    job = defs.resolve_job_def("daily_job")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(partition_key=partition, instance=instance, raise_on_error=False,
                                        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}})
    checks = [(c.asset_key.to_user_string(), c.check_name, c.passed, c.severity.value)
              for c in result.get_asset_check_evaluations()]
    with WarehouseResource().connect(read_only=True) as con:
        print_summary(con, partition, checks)
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"\nRun FAILED at step(s): {', '.join(failed)}. See the run in the Dagster UI for details.")
        return 1
    return 0


def print_summary(con, partition: str, checks: list[tuple]) -> None:
    rows = con.execute("""select table_name, rows_read, rows_loaded, rows_rejected, coalesce(source_file, '(absent)')
                          from raw.load_log where partition_date = ? order by table_name""", [partition]).fetchall()
    print(f"\n{'table':<18}{'read':>10}{'loaded':>10}{'rejected':>10}")
    for table, read, loaded, rejected, _ in rows:
        print(f"{table:<18}{read:>10,}{loaded:>10,}{rejected:>10,}")
    failing = [c for c in checks if not c[2]]
    print(f"\nAsset checks: {len(checks) - len(failing)} passed, {len(failing)} failed")
    for asset, name, _, severity in failing:
        print(f"  {severity:<5} {asset} · {name}")
    print(f"\nWarehouse (DuckDB): {settings.warehouse_path()}")
    print(f"MLflow store:       {settings.tracking_uri()}")
    print("Dagster UI:         make dagster-dev   then open http://127.0.0.1:3000")
    print("MLflow UI:          make mlflow-ui     then open http://127.0.0.1:5000")


if __name__ == "__main__":
    sys.exit(main())
