"""`make run`: materialize every asset for the latest daily partition, in process, on a
persistent Dagster instance under RELANCE_HOME, then print a short summary.

`python -m orchestration.run --from 2026-10-25 --to 2026-11-23` backfills a range of days, one
run per day in date order (each day's snapshot builds on the previous state).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta

from erp.warehouse import has_table
from orchestration import settings
from orchestration.abandoned_runs import fail_abandoned_runs, launch_tags


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.run", description=__doc__)
    parser.add_argument("--from", dest="first", type=date.fromisoformat, help="first day of a backfill")
    parser.add_argument("--to", dest="last", type=date.fromisoformat, help="last day (default: the latest)")
    args = parser.parse_args(argv or [])
    from orchestration.resources import ErpSourceResource

    source = ErpSourceResource().source()
    last = args.last or date.fromisoformat(source.latest_partition())
    first = args.first or last
    if settings.sendgrid_api_key() is None:
        print("SENDGRID_API_KEY is not set: e-mail delivery runs in dry-run mode (outbox only).")
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    with instance_of_home() as instance:
        for run_id in fail_abandoned_runs(instance):
            print(f"Run {run_id} was left running by a process that ended: marked failed.")
    untrained = models_never_trained()
    if untrained:  # the first run trains before it plans: nothing goes out on fallbacks
        print(
            f"\nNo model trained yet ({', '.join(untrained)}): building the marts of {days[-1]}, training, "
            "then running the whole day."
        )
        if not run_partition(days[-1], source.kind, plan=False) or not train_models(untrained):
            print("Models were not trained (see the reason above): the pipeline runs without their scores.")
    failures = [day for day in days if not run_partition(day, source.kind)]
    if failures:
        print(f"\nRun FAILED for {', '.join(failures)}. See the runs in the Dagster UI for details.")
    return 1 if failures else 0


def run_partition(partition: str, source_kind: str, plan: bool = True) -> bool:
    """The daily job for one extraction date; ``plan=False`` stops before the contact list (and
    what follows it), for the first run's data that the models are trained on."""
    from orchestration.definitions import defs
    from orchestration.resources import WarehouseResource

    print(
        f"Relance: running the daily pipeline for extraction {partition} (source: {source_kind})"
        + ("" if plan else ", without planning or sending")
    )
    job = defs.resolve_job_def("daily_job")
    selection = None if plan else without_planning(defs)
    with instance_of_home() as instance:
        result = job.execute_in_process(
            partition_key=partition,
            instance=instance,
            raise_on_error=False,
            asset_selection=selection,
            tags=launch_tags(),
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    checks = [
        (c.asset_key.to_user_string(), c.check_name, c.passed, c.severity.value)
        for c in result.get_asset_check_evaluations()
    ]
    if WarehouseResource().file.exists():
        with WarehouseResource().connect(read_only=True) as con:
            print_summary(con, partition, checks)
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"step(s) failed: {', '.join(failed)}")
    return result.success


def without_planning(defs) -> list:
    """The daily job's assets but the contact list and what follows it: the marts the first
    training reads, built before anything is planned on fallbacks."""
    import dagster as dg

    from orchestration.journeys.assets import PLANNING

    every = defs.resolve_job_def("daily_job").asset_layer.selected_asset_keys
    return list(every - dg.AssetSelection.assets(*PLANNING).downstream().resolve(defs.resolve_asset_graph()))


def instance_of_home():
    """The persistent instance `make dagster-dev` shows too (runs, materializations, checks)."""
    import dagster as dg

    return dg.DagsterInstance.from_config(str(settings.dagster_home()))


def models_never_trained() -> list[str]:
    """The models no training ever registered. A model trained before that did not pass its
    gates is not retrained by `make run`: its decision stands until the weekly or drift training."""
    from ml import registry
    from ml.specs import SPECS
    from orchestration.resources import MlflowResource

    MlflowResource().connect()
    return [spec.name for spec in SPECS if not registry.ever_trained(spec.name)]


def train_models(names: list[str]) -> bool:
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.models.assets import training_asset_name

    with instance_of_home() as instance:
        result = defs.resolve_job_def("training_job").execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=launch_tags(),
            asset_selection=[dg.AssetKey(training_asset_name(name)) for name in names],
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    for event in result.all_events:
        if event.is_step_failure:
            print(f"  {event.step_key}: {event.step_failure_data.error.message.strip().splitlines()[-1]}")
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        print(
            f"  {event.asset_key.to_user_string()}: version {meta['registered_version'].value}, "
            f"champion={meta['promoted_to_champion'].value}, {meta['summary'].value}"
        )
    return result.success


def print_summary(con, partition: str, checks: list[tuple]) -> None:
    rows = con.execute(
        """select table_name, rows_read, rows_loaded, rows_rejected, coalesce(source_file, '(absent)')
                          from raw.load_log where partition_date = ? order by table_name""",
        [partition],
    ).fetchall()
    print(f"\n{'table':<18}{'read':>10}{'loaded':>10}{'rejected':>10}")
    for table, read, loaded, rejected, _ in rows:
        print(f"{table:<18}{read:>10,}{loaded:>10,}{rejected:>10,}")
    failing = [c for c in checks if not c[2]]
    print(f"\nAsset checks: {len(checks) - len(failing)} passed, {len(failing)} failed")
    for asset, name, _, severity in failing:
        print(f"  {severity:<5} {asset} · {name}")
    print_headline_kpis(con, partition)
    print_contact_list(con, partition)
    print(f"\nWarehouse (DuckDB): {settings.warehouse_path()} (the pipeline's own: readers open the copy)")
    print(f"Published copy:     {settings.published_path()} (read-only, replaced after each run)")
    print(f"Marts as Parquet:   {settings.home() / 'exports'}")
    print(f"Contact list:       {settings.home() / 'exports' / 'contact_list'} (call tasks: exports/call_tasks)")
    print(f"E-mails:            {settings.outbox_dir() if settings.sendgrid_api_key() is None else 'SendGrid (live)'}")
    print(f"MLflow store:       {settings.tracking_uri()}")
    print("Dagster UI:         make dagster-dev   then open http://127.0.0.1:3000")
    print("MLflow UI:          make mlflow-ui     then open http://127.0.0.1:5000")


def print_headline_kpis(con, partition: str) -> None:
    if not has_table(con, "marts.mart_collections_kpis_daily"):
        return
    rows = con.execute(
        """select currency_code, ending_ar, ending_overdue_ar, dso_countback,
                                 best_possible_dso_countback,
                                 add_countback, cei_pct, pct_current
                          from marts.mart_collections_kpis_daily where as_of_date = ? order by ending_ar desc""",
        [partition],
    ).fetchall()
    if not rows:
        return
    print(f"\nHeadline KPIs as of {partition} (trailing 90 days; DSO by countback):")
    print(f"{'currency':<9}{'open AR':>15}{'overdue':>15}{'DSO':>8}{'BPDSO':>8}{'ADD':>8}{'CEI %':>8}{'current %':>11}")
    for cur, ar, overdue, dso, bpdso, add, cei, current in rows:
        print(
            f"{cur:<9}{ar:>15,.2f}{overdue:>15,.2f}{dso or 0:>8.1f}{bpdso or 0:>8.1f}{add or 0:>8.1f}"
            f"{cei or 0:>8.1f}{current or 0:>11.1f}"
        )


def print_contact_list(con, partition: str) -> None:
    """Tomorrow's plan in a few lines: actions, channels, and what the rules stopped."""
    if not has_table(con, "journeys.contact_list"):
        return
    actions = con.execute(
        """select action, channel, count(*) from journeys.contact_list where as_of_date = ?
                             group by all order by 3 desc""",
        [partition],
    ).fetchall()
    blocked = con.execute(
        """select rule, count(*) from journeys.blocked_sends where as_of_date = ?
                             group by 1 order by 2 desc""",
        [partition],
    ).fetchall()
    delivered = con.execute(
        """select status, count(*) from journeys.outbox where as_of_date = ? and channel = 'email'
                               group by 1 order by 2 desc""",
        [partition],
    ).fetchall()
    print(
        f"\nContact list for the day after {partition}: "
        + (", ".join(f"{n} {action} ({channel})" for action, channel, n in actions) or "nothing to do")
    )
    if blocked:
        print("  blocked by rule: " + ", ".join(f"{rule} {n}" for rule, n in blocked))
    if delivered:
        print("  e-mails: " + ", ".join(f"{n} {status}" for status, n in delivered))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
