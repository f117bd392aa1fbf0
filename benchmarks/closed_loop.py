"""Closed loop: Relance's journeys against a static one-size-fits-all dunning schedule, each
run day after day on its own copy of the same simulated customers.

Every simulated day, for each policy: the world applies the reminders sent so far and emits the
day's drop → ingestion into the policy's warehouse → dbt (staging → marts) → the day's plan
under the contact rules → dry-run delivery → the next day. These are the functions the Dagster
assets call, run in-process without Dagster and without the dbt tests so that 90 days take
minutes. Neither policy has ML scores (the small world trains no champion), so Relance's edge
comes from its segment journeys, the customer's reading hour and the rule-based offers.

Printed for invoices due in the simulated period: share of the amount collected within 30 days
of the due date, mean days from due date to payment (unpaid ones counted at the horizon), DSO
and CEI over the period, reminders sent and reminders per 1,000 collected; then the days and
reminders per simulated archetype, the ground truth neither policy sees, which shows where a
difference comes from (punctual payers and self-curers pay on their own under any policy).

    python benchmarks/closed_loop.py --days 90 [--customers 400] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for switch, value in (("DBT_SEND_ANONYMOUS_USAGE_STATS", "false"), ("DBT_VERSION_CHECK", "false"), ("DO_NOT_TRACK", "1")):
    os.environ.setdefault(switch, value)  # telemetry off even when run outside make

POLICIES = {"relance": "journeys.yaml", "static": "static_schedule.yaml"}
DBT_SELECT = ["+mart_dunning_book", "+dim_contacts", "+fct_contacts"]


def run_policy(workdir: Path, policy: str, first: date, days: int) -> dict:
    """The daily loop for one policy on its own copy of the world; returns its outcome figures."""
    import duckdb
    from dbt.cli.main import dbtRunner

    from erp.contract import load_order
    from erp.ingest import load_table
    from erp.simulator import World
    from journeys import book, catalog, delivery, store
    from journeys.contact_list import not_before, plan_day

    home = workdir / policy
    world = World(home / "world")
    warehouse = home / "warehouse.duckdb"
    os.environ["RELANCE_WAREHOUSE"] = str(warehouse)
    journeys = catalog.load_journeys(catalog.CONFIG_DIR / POLICIES[policy])
    rules, experiments, brand = catalog.load_policy(), catalog.load_experiments(), catalog.load_branding()
    sender, dbt = delivery.DryRunSender(home / "outbox"), dbtRunner()
    started = time.time()
    for offset in range(days):
        day = first + timedelta(days=offset)
        with duckdb.connect(str(warehouse)) as con:
            sends = store.delivered_sends(con, day.isoformat()) if offset else None
        folder = world.advance(day, sends)
        with duckdb.connect(str(warehouse)) as con:
            for table in load_order():
                load_table(con, folder, table, day.isoformat(), retention_days=3)
        result = dbt.invoke(["--quiet", "run", "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir",
                             str(ROOT / "dbt_project"), "--target-path", str(home / "dbt_target"),
                             "--log-path", str(home / "dbt_logs"), "--select", *DBT_SELECT,
                             "--vars", json.dumps({"as_of_date": day.isoformat()})])
        if not result.success:
            raise RuntimeError(f"{policy} {day}: dbt run failed: {result.exception}")
        with duckdb.connect(str(warehouse)) as con:
            today = book.load(con)
            if policy == "static":  # one size fits all: the same hour and no offer for everyone
                today.invoices = today.invoices.assign(best_send_hour=float("nan"), most_frequent_open_hour=float("nan"),
                                                       best_incentive=None)
            store.save_plan(con, plan_day(today, journeys, rules, experiments), today.as_of)
            send_day = today.as_of + timedelta(days=1)
            delivery.deliver(con, sender, brand, day.isoformat(), now=not_before(send_day))
        world.prune_drops(2)
        if offset % 10 == 9:
            print(f"  {policy}: day {offset + 1}/{days} ({time.time() - started:.0f} s)", flush=True)
    return outcomes(world, warehouse, first, first + timedelta(days=days - 1))


def outcomes(world, warehouse: Path, first: date, last: date) -> dict:
    """Collections figures of the period from the world's ground truth (its invoices and
    payments), pooled across currencies: both policies face the same invoices."""
    import duckdb
    import pandas as pd

    with world._connect(read_only=True) as con:
        inv = con.execute("""select i.invoice_id, i.issue_date, i.due_date, i.settled_on, c.archetype,
                                    i.amount::DOUBLE - i.credit_amount::DOUBLE as amount
                             from invoices i join customers c using (customer_id)
                             where i.amount > i.credit_amount and i.issue_date <= ?""", [last]).df()
        pay = con.execute("select invoice_id, payment_date, amount::DOUBLE as amount from payments "
                          "where payment_date <= ?", [last]).df()
        sent_to = con.execute("""select c.archetype, count(*) as reminders from contact_history h
                                 join customers c using (customer_id)
                                 where h.sent_at >= ? and h.channel in ('email', 'call') group by 1""",
                              [first]).df().set_index("archetype").reminders
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
    by_archetype = pd.DataFrame({"mean_days": days_late.groupby(due.archetype).mean(),
                                 "invoices": due.groupby("archetype").size(), "reminders": sent_to}).fillna(0)
    begin_ar, end_ar, end_current = receivables(start), receivables(end), receivables(end, current_only=True)
    sales = inv.amount[(inv.issue_date > start) & (inv.issue_date <= end)].sum()
    with duckdb.connect(str(warehouse)) as con:  # dbt's in-process connection is read-write: same config
        reminders = con.execute("select count(*) from journeys.outbox where channel in ('email', 'call') "
                                "and status in ('dry_run', 'assigned', 'sent')").fetchone()[0]
    collected = begin_ar + sales - end_ar
    return {
        "invoices_due": len(due), "collected_within_30d_pct": 100 * within_30 / due.amount.sum(),
        "mean_days_due_to_paid": float(days_late.mean()), "by_archetype": by_archetype.to_dict("index"),
        "dso": end_ar / sales * (end - start).days, "cei_pct": 100 * collected / (begin_ar + sales - end_current),
        "reminders": int(reminders), "reminders_per_1000_collected": reminders / collected * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--policy", choices=sorted(POLICIES), help=argparse.SUPPRESS)  # one child process
    parser.add_argument("--first", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.policy:  # a child: run one policy, print its figures as JSON
        print("RESULT " + json.dumps(run_policy(args.workdir, args.policy, args.first, args.days)))
        return 0
    from erp.simulator import SimulationConfig, World

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="relance-closed-loop-"))
    end = date(2026, 3, 31)
    t0 = time.time()
    World.create(workdir / "origin" / "world", SimulationConfig(end=end, customers=args.customers, months=12,
                                                                 seed=args.seed, future_days=args.days + 60))
    print(f"world: {args.customers} customers, 12 months of history to {end} ({time.time() - t0:.0f} s); "
          f"simulating {args.days} days in {workdir}")
    children = {}
    for policy in POLICIES:  # the same customers for both: identical copies of the world
        shutil.copytree(workdir / "origin", workdir / policy)
        children[policy] = subprocess.Popen(
            [sys.executable, __file__, "--policy", policy, "--workdir", str(workdir), "--days", str(args.days),
             "--first", (end + timedelta(days=1)).isoformat()], stdout=subprocess.PIPE, text=True)
    results = {}
    for policy, child in children.items():
        output = child.communicate()[0]
        print("\n".join(line for line in output.splitlines() if not line.startswith("RESULT ")))
        if child.returncode:
            print(f"{policy} failed (exit {child.returncode})")
            return 1
        results[policy] = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    report(results, args.days, time.time() - t0)
    return 0


def report(results: dict, days: int, seconds: float) -> None:
    relance, static = results["relance"], results["static"]
    rows = [("share collected within 30 days of due (%)", "collected_within_30d_pct", "{:.1f}"),
            ("mean days from due date to payment", "mean_days_due_to_paid", "{:.1f}"),
            ("DSO over the period (days)", "dso", "{:.1f}"), ("CEI over the period (%)", "cei_pct", "{:.1f}"),
            ("reminders sent (e-mails + calls)", "reminders", "{:,}"),
            ("reminders per 1,000 collected", "reminders_per_1000_collected", "{:.3f}")]
    print(f"\nClosed loop over {days} simulated days ({relance['invoices_due']:,} invoices due; {seconds:.0f} s)")
    print(f"{'':<45}{'Relance':>12}{'static':>12}")
    for label, key, fmt in rows:
        print(f"{label:<45}{fmt.format(relance[key]):>12}{fmt.format(static[key]):>12}")
    earlier = 100 * (1 - relance["mean_days_due_to_paid"] / static["mean_days_due_to_paid"])
    print(f"Relance collects {earlier:.1f} % earlier (mean days from due to payment) with "
          f"{relance['reminders'] - static['reminders']:+,} reminders.")
    print(f"\n{'by simulated archetype':<31}{'mean days due → paid':>24}{'reminders sent':>20}")
    print(f"{'(ground truth, unseen)':<23}{'invoices':>8}{'Relance':>12}{'static':>12}{'Relance':>10}{'static':>10}")
    for archetype, mine in sorted(relance["by_archetype"].items()):
        theirs = static["by_archetype"][archetype]
        print(f"{archetype:<23}{mine['invoices']:>8.0f}{mine['mean_days']:>12.1f}{theirs['mean_days']:>12.1f}"
              f"{mine['reminders']:>10.0f}{theirs['reminders']:>10.0f}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
