"""Closed loop: Relance's journeys against a static one-size-fits-all dunning schedule, each
run day after day on its own copy of the same simulated customers.

Every simulated day, for each policy, the daily Dagster job of `make run` runs in process for
that day's partition, with every asset and check: the world applies the reminders sent so far
and emits the day's drop → ingestion and its Great Expectations checks → dbt build (staging →
marts, with the dbt tests) → scoring by the champion models → the day's plan under the contact
rules → dry-run delivery → the next day. The two policies differ only in resource settings:
the journeys file (journeys/config/static_schedule.yaml for the static one, which sends at one
fixed hour and offers nothing) and, for both, a delivery clock set to the simulated day.
`--train` first trains the models on the world's history, as `make run` does on its first run.

Printed for invoices due in the simulated period: share of the amount collected within 30 days
of the due date, mean days from due date to payment (unpaid ones counted at the horizon), DSO
and CEI over the period, reminders sent and reminders per 1,000 collected; then the days and
reminders per simulated archetype, the ground truth neither policy sees, which shows where a
difference comes from (punctual payers and self-curers pay on their own under any policy);
then where the time went, per step of the daily job.

    python benchmarks/closed_loop.py --days 90 [--customers 400] [--workdir DIR] [--train]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POLICIES = {"relance": "journeys.yaml", "static": "static_schedule.yaml"}
RETENTION_DAYS = 3  # raw partitions and drops kept: the loop only ever reads the latest day
# A user's own source, MLflow store or SendGrid key must not leak into the simulation (dry-run only).
USER_SETTINGS = ("RELANCE_ERP_DROP", "RELANCE_ERP_ADAPTER", "MLFLOW_TRACKING_URI", "SENDGRID_API_KEY")
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def policy_definitions(policy: str):
    """`make run`'s definitions, with the policy's journeys file and the simulated clock."""
    from journeys.catalog import CONFIG_DIR
    from orchestration.definitions import definitions
    from orchestration.resources import ErpSourceResource, JourneysConfigResource, SendGridResource

    return definitions(
        journeys_config=JourneysConfigResource(journeys_file=str(CONFIG_DIR / POLICIES[policy])),
        sendgrid=SendGridResource(simulated_clock=True),
        erp_source=ErpSourceResource(retention_days=RETENTION_DAYS),
    )


def run_policy(home: Path, policy: str, first: date, days: int, train: bool = False) -> dict:
    """The daily job, one partition per simulated day, on the policy's RELANCE_HOME (the caller
    sets it: each policy runs in its own process); returns its outcome figures and step times."""
    import dagster as dg

    from erp.simulator import World
    from orchestration import settings

    assert settings.home() == home.resolve(), f"RELANCE_HOME must be {home} for this policy"
    defs = policy_definitions(policy)
    job, seconds, started = defs.resolve_job_def("daily_job"), defaultdict(float), time.time()
    with dg.DagsterInstance.ephemeral() as instance:
        for offset in range(days):
            day = (first + timedelta(days=offset)).isoformat()
            with open(home / "daily_job.log", "a") as log, contextlib.redirect_stdout(log):  # dbt's own log lines
                result = job.execute_in_process(
                    partition_key=day, instance=instance, run_config=QUIET, raise_on_error=False
                )
            if not result.success:
                failed = [e.step_key for e in result.all_events if e.is_step_failure]
                raise RuntimeError(f"{policy} {day}: step(s) failed: {', '.join(failed)}")
            for step, duration in step_seconds(instance, result.run_id).items():
                seconds[step] += duration
            if offset == 0 and train:
                train_models(defs, instance)
            if offset % 10 == 9:
                print(f"  {policy}: day {offset + 1}/{days} ({time.time() - started:.0f} s)", flush=True)
    figures = outcomes(
        World(settings.simulator_root()), settings.warehouse_path(), first, first + timedelta(days=days - 1)
    )
    return figures | {"step_seconds": dict(seconds)}


def train_models(defs, instance) -> None:
    """What `make run` does when no champion exists yet; the next days are scored."""
    result = defs.resolve_job_def("training_job").execute_in_process(
        instance=instance, run_config=QUIET, raise_on_error=False
    )
    for event in result.get_asset_materialization_events():
        meta = event.materialization.metadata
        print(
            f"  trained {event.asset_key.to_user_string()}: champion={meta['promoted_to_champion'].value}, "
            f"{meta['summary'].value}",
            flush=True,
        )


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Wall time of each step of a run, from its event log (start to success or failure)."""
    import dagster as dg

    begun, spent = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            begun[entry.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            spent[entry.step_key] = entry.timestamp - begun.get(entry.step_key, entry.timestamp)
    return spent


def outcomes(world, warehouse: Path, first: date, last: date) -> dict:
    """Collections figures of the period from the world's ground truth (its invoices and
    payments), pooled across currencies: both policies face the same invoices."""
    import duckdb
    import pandas as pd

    with world._connect(read_only=True) as con:
        inv = con.execute(
            """select i.invoice_id, i.issue_date, i.due_date, i.settled_on, c.archetype,
                                    i.amount::DOUBLE - i.credit_amount::DOUBLE as amount
                             from invoices i join customers c using (customer_id)
                             where i.amount > i.credit_amount and i.issue_date <= ?""",
            [last],
        ).df()
        pay = con.execute(
            "select invoice_id, payment_date, amount::DOUBLE as amount from payments where payment_date <= ?", [last]
        ).df()
        sent_to = (
            con.execute(
                """select c.archetype, count(*) as reminders from contact_history h
                                 join customers c using (customer_id)
                                 where h.sent_at >= ? and h.channel in ('email', 'call') group by 1""",
                [first],
            )
            .df()
            .set_index("archetype")
            .reminders
        )
    for column in ("issue_date", "due_date", "settled_on"):
        inv[column] = pd.to_datetime(inv[column])
    pay["payment_date"] = pd.to_datetime(pay.payment_date)
    start, end = pd.Timestamp(first), pd.Timestamp(last)

    def receivables(day: pd.Timestamp, current_only: bool = False) -> float:
        issued = inv[(inv.issue_date <= day) & ((inv.due_date >= day) if current_only else True)]
        paid = pay[(pay.payment_date <= day) & pay.invoice_id.isin(issued.invoice_id)].amount.sum()
        return issued.amount.sum() - paid

    due = inv[(inv.due_date >= start) & (inv.due_date <= end - pd.Timedelta(days=30))]
    paid_on = due.settled_on.where(due.settled_on <= end)
    within_30 = due.amount[paid_on.notna() & ((paid_on - due.due_date).dt.days <= 30)].sum()
    days_late = (paid_on.fillna(end) - due.due_date).dt.days.clip(lower=0)
    # the ground-truth archetype says where a difference comes from (Relance never sees it)
    by_archetype = pd.DataFrame(
        {
            "mean_days": days_late.groupby(due.archetype).mean(),
            "invoices": due.groupby("archetype").size(),
            "reminders": sent_to,
        }
    ).fillna(0)
    begin_ar, end_ar, end_current = receivables(start), receivables(end), receivables(end, current_only=True)
    sales = inv.amount[(inv.issue_date > start) & (inv.issue_date <= end)].sum()
    with duckdb.connect(str(warehouse)) as con:  # dbt's in-process connection is read-write: same config
        reminders = con.execute(
            "select count(*) from journeys.outbox where channel in ('email', 'call') "
            "and status in ('dry_run', 'assigned', 'sent')"
        ).fetchone()[0]
    collected = begin_ar + sales - end_ar
    return {
        "invoices_due": len(due),
        "collected_within_30d_pct": 100 * within_30 / due.amount.sum(),
        "mean_days_due_to_paid": float(days_late.mean()),
        "by_archetype": by_archetype.to_dict("index"),
        "dso": end_ar / sales * (end - start).days,
        "cei_pct": 100 * collected / (begin_ar + sales - end_current),
        "reminders": int(reminders),
        "reminders_per_1000_collected": reminders / collected * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--train", action="store_true", help="train the models on the history first")
    parser.add_argument("--policy", choices=sorted(POLICIES), help=argparse.SUPPRESS)  # one child process
    parser.add_argument("--first", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.policy:  # a child: run one policy, print its figures as JSON
        home = args.workdir / args.policy
        print("RESULT " + json.dumps(run_policy(home, args.policy, args.first, args.days, args.train)))
        return 0
    from erp.simulator import SimulationConfig, World

    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="relance-closed-loop-"))).resolve()
    end = date(2026, 3, 31)
    t0 = time.time()
    World.create(
        workdir / "origin" / "simulator",
        SimulationConfig(end=end, customers=args.customers, months=12, seed=args.seed, future_days=args.days + 60),
    )
    print(
        f"world: {args.customers} customers, 12 months of history to {end} ({time.time() - t0:.0f} s); "
        f"simulating {args.days} days in {workdir}"
    )
    children = {}
    for policy in POLICIES:  # the same customers for both: identical copies of the world, one RELANCE_HOME each
        shutil.copytree(workdir / "origin", workdir / policy)
        command = [
            sys.executable,
            __file__,
            "--policy",
            policy,
            "--workdir",
            str(workdir),
            "--days",
            str(args.days),
            "--first",
            (end + timedelta(days=1)).isoformat(),
            *(["--train"] if args.train else []),
        ]
        env = {k: v for k, v in os.environ.items() if k not in USER_SETTINGS} | {"RELANCE_HOME": str(workdir / policy)}
        children[policy] = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    results = {}
    for policy, child in children.items():
        output = child.communicate()[0]
        print("\n".join(line for line in output.splitlines() if not line.startswith("RESULT ")))
        if child.returncode:
            print(f"{policy} failed (exit {child.returncode})")
            return 1
        results[policy] = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    report(results, args.days, time.time() - t0)
    report_time(results, args.days)
    return 0


def report(results: dict, days: int, seconds: float) -> None:
    relance, static = results["relance"], results["static"]
    rows = [
        ("share collected within 30 days of due (%)", "collected_within_30d_pct", "{:.1f}"),
        ("mean days from due date to payment", "mean_days_due_to_paid", "{:.1f}"),
        ("DSO over the period (days)", "dso", "{:.1f}"),
        ("CEI over the period (%)", "cei_pct", "{:.1f}"),
        ("reminders sent (e-mails + calls)", "reminders", "{:,}"),
        ("reminders per 1,000 collected", "reminders_per_1000_collected", "{:.3f}"),
    ]
    print(f"\nClosed loop over {days} simulated days ({relance['invoices_due']:,} invoices due; {seconds:.0f} s)")
    print(f"{'':<45}{'Relance':>12}{'static':>12}")
    for label, key, fmt in rows:
        print(f"{label:<45}{fmt.format(relance[key]):>12}{fmt.format(static[key]):>12}")
    earlier = 100 * (1 - relance["mean_days_due_to_paid"] / static["mean_days_due_to_paid"])
    print(
        f"Relance collects {earlier:.1f} % earlier (mean days from due to payment) with "
        f"{relance['reminders'] - static['reminders']:+,} reminders."
    )
    print(f"\n{'by simulated archetype':<31}{'mean days due → paid':>24}{'reminders sent':>20}")
    print(f"{'(ground truth, unseen)':<23}{'invoices':>8}{'Relance':>12}{'static':>12}{'Relance':>10}{'static':>10}")
    for archetype, mine in sorted(relance["by_archetype"].items()):
        theirs = static["by_archetype"].get(archetype, {"mean_days": 0, "reminders": 0})
        print(
            f"{archetype:<23}{mine['invoices']:>8.0f}{mine['mean_days']:>12.1f}{theirs['mean_days']:>12.1f}"
            f"{mine['reminders']:>10.0f}{theirs['reminders']:>10.0f}"
        )


def report_time(results: dict, days: int) -> None:
    """Seconds per simulated day of each step of the daily job (checks are steps of their own)."""
    steps = sorted(results["relance"]["step_seconds"], key=lambda k: -results["relance"]["step_seconds"][k])
    print(f"\n{'seconds per simulated day, by step':<52}{'Relance':>10}{'static':>10}")
    for step in steps:
        mine, theirs = (results[p]["step_seconds"].get(step, 0) / days for p in ("relance", "static"))
        print(f"{step[:51]:<52}{mine:>10.2f}{theirs:>10.2f}")
    total = [sum(results[p]["step_seconds"].values()) / days for p in ("relance", "static")]
    print(f"{'all steps':<52}{total[0]:>10.2f}{total[1]:>10.2f}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
