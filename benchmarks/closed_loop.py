"""Closed loop: four dunning policies, each run day after day on its own copy of the same
simulated customers, one at a time, each in its own process.

Every simulated day, for each policy, the daily Dagster job of `make run` runs in process for
that day's partition, with every asset and check: the world applies the reminders sent so far
and emits the day's drop → ingestion and its Great Expectations checks → dbt build (staging →
marts, with the dbt tests) → scoring → the day's plan under the contact rules → dry-run
delivery → the next day. The policies differ only in resource settings and training:

- static: journeys/config/static_schedule.yaml, one fixed hour, no offer, for everyone;
- rules: Relance's journeys with no champion model (the planner's documented fallbacks);
- models: Relance's journeys with the champions, trained as `make run` does on its first run
  (on the first day's marts, before that day is planned) and retrained every week;
- oracle: Relance's journeys fed the simulator's ground truth in place of the models' scores
  (benchmarks/oracle.py, the scoring asset's ``scores`` resource): the ceiling of the family.

Printed for invoices due in the simulated period (benchmarks/loop_outcomes.py): share of the
amount collected within 30 days of the due date, mean days from due date to payment (unpaid
ones counted at the horizon), DSO and CEI over the period, reminders, discounts taken and
action costs, net cash after them; then the days per simulated archetype, the ground truth no
policy sees; then where the time went, per step of the daily job.
benchmarks/closed_loop_seeds.py repeats it over seeds with intervals.

    python benchmarks/closed_loop.py --days 90 [--customers 400] [--workdir DIR] [--policies static models]
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
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Policy:
    journeys_file: str
    models: bool = False  # champions trained on the history before the first plan, retrained weekly
    oracle: bool = False  # the simulator's ground truth in place of scores (benchmarks/oracle.py)


POLICIES = {
    "static": Policy("static_schedule.yaml"),
    "rules": Policy("journeys.yaml"),  # no champion: the planner's documented fallbacks
    "models": Policy("journeys.yaml", models=True),
    "oracle": Policy("journeys.yaml", oracle=True),
}
RETRAIN_DAYS = 7  # the weekly training of the product's schedule
RETENTION_DAYS = 3  # raw partitions and drops kept: the loop only ever reads the latest day
# A user's own source, MLflow store or SendGrid key must not leak into the simulation (dry-run only).
USER_SETTINGS = ("RELANCE_ERP_DROP", "RELANCE_ERP_ADAPTER", "MLFLOW_TRACKING_URI", "SENDGRID_API_KEY")
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def policy_definitions(policy: str):
    """`make run`'s definitions, with the policy's journeys file, the simulated clock and, for
    the oracle, the ground-truth scores resource (the same assets and job otherwise)."""
    from journeys.catalog import CONFIG_DIR
    from orchestration import settings
    from orchestration.definitions import definitions
    from orchestration.resources import ErpSourceResource, JourneysConfigResource, SendGridResource

    chosen = POLICIES[policy]
    extra = {}
    if chosen.oracle:
        from benchmarks.oracle import OracleScores

        extra["scores"] = OracleScores(simulator_root=str(settings.simulator_root()))
    return definitions(
        journeys_config=JourneysConfigResource(journeys_file=str(CONFIG_DIR / chosen.journeys_file)),
        sendgrid=SendGridResource(simulated_clock=True),
        erp_source=ErpSourceResource(retention_days=RETENTION_DAYS),
        **extra,
    )


def run_policy(home: Path, policy: str, first: date, days: int) -> dict:
    """The daily job, one partition per simulated day, on the policy's RELANCE_HOME (the caller
    sets it: each policy runs in its own process); returns its outcome figures and step times.
    A policy with models trains them as `make run` does on its first run — on the marts of the
    first day, before that day is planned — and again every RETRAIN_DAYS days."""
    import dagster as dg

    from benchmarks.loop_outcomes import outcomes
    from erp.simulator import World
    from orchestration import settings
    from orchestration.run import without_planning

    assert settings.home() == home.resolve(), f"RELANCE_HOME must be {home} for this policy"
    defs, models = policy_definitions(policy), POLICIES[policy].models
    job, seconds, started = defs.resolve_job_def("daily_job"), defaultdict(float), time.time()
    with dg.DagsterInstance.ephemeral() as instance:
        for offset in range(days):
            day = (first + timedelta(days=offset)).isoformat()
            if models and offset == 0:
                run_day(job, day, instance, seconds, policy, without_planning(defs))
            if models and offset % RETRAIN_DAYS == 0:
                train_models(defs, instance, seconds)
            run_day(job, day, instance, seconds, policy)
            if offset % 10 == 9:
                print(f"  {policy}: day {offset + 1}/{days} ({time.time() - started:.0f} s)", flush=True)
    figures = outcomes(
        World(settings.simulator_root()), settings.warehouse_path(), first, first + timedelta(days=days - 1)
    )
    return figures | {"step_seconds": dict(seconds), "seconds": time.time() - started}


def run_day(job, day: str, instance, seconds: dict, policy: str, selection=None) -> None:
    """One partition of the daily job (``selection``: a subset of its assets); adds step times."""
    from orchestration import settings

    with open(settings.home() / "daily_job.log", "a") as log, contextlib.redirect_stdout(log):  # dbt's own log lines
        result = job.execute_in_process(
            partition_key=day, instance=instance, run_config=QUIET, raise_on_error=False, asset_selection=selection
        )
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise RuntimeError(f"{policy} {day}: step(s) failed: {', '.join(failed)}")
    for step, duration in step_seconds(instance, result.run_id).items():
        seconds[step] += duration


def train_models(defs, instance, seconds: dict) -> None:
    """The training job (what `make run` does when no champion exists, then weekly)."""
    t0 = time.time()
    result = defs.resolve_job_def("training_job").execute_in_process(
        instance=instance, run_config=QUIET, raise_on_error=False
    )
    seconds["training_job"] += time.time() - t0
    for event in (e for e in result.all_events if e.is_step_failure):  # the model keeps its champion, if any
        error = event.step_failure_data.error
        reason = (error.cause or error).message.strip().splitlines()[-1] if error else "unknown"
        print(f"  training {event.step_key} FAILED: {reason[:200]}", flush=True)
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


ROWS = [  # (label, key of the outcome figures, format)
    ("share collected within 30 days of due (%)", "collected_within_30d_pct", "{:.1f}"),
    ("mean days from due date to payment", "mean_days_due_to_paid", "{:.2f}"),
    ("DSO over the period (days)", "dso", "{:.1f}"),
    ("CEI over the period (%)", "cei_pct", "{:.1f}"),
    ("reminders sent (e-mails + calls)", "reminders", "{:,.0f}"),
    ("reminders per 1,000 collected", "reminders_per_1000_collected", "{:.3f}"),
    ("early-pay discounts taken", "discounts_given", "{:,.0f}"),
    ("offer costs (discounts, fees' shares)", "offer_costs", "{:,.0f}"),
    ("fixed action costs (e-mails, calls, ...)", "fixed_costs", "{:,.0f}"),
    ("cash collected in the period", "cash_collected", "{:,.0f}"),
    ("net cash after action costs", "net_cash", "{:,.0f}"),
]


def create_world(root: Path, seed: int, customers: int, days: int) -> date:
    """The simulated company every policy starts from (12 months of history); its first loop day."""
    from erp.simulator import SimulationConfig, World

    end = date(2026, 3, 31)
    World.create(root, SimulationConfig(end=end, customers=customers, months=12, seed=seed, future_days=days + 60))
    return end + timedelta(days=1)


def run_child(origin: Path, home: Path, policy: str, first: date, days: int) -> dict:
    """One policy on its own copy of the world, in its own process (its own RELANCE_HOME and
    Dagster definitions); its figures, or RuntimeError with its exit code."""
    shutil.rmtree(home, ignore_errors=True)  # an interrupted earlier attempt starts over
    shutil.copytree(origin, home)
    command = [sys.executable, __file__, "--policy", policy, "--workdir", str(home), "--days", str(days)]
    command += ["--first", first.isoformat()]
    env = {k: v for k, v in os.environ.items() if k not in USER_SETTINGS} | {"RELANCE_HOME": str(home)}
    child = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=env)
    print("\n".join(line for line in child.stdout.splitlines() if not line.startswith("RESULT ")), flush=True)
    if child.returncode:
        raise RuntimeError(f"{policy} failed (exit {child.returncode})")
    return json.loads(next(line for line in child.stdout.splitlines() if line.startswith("RESULT "))[7:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--policies", nargs="+", choices=sorted(POLICIES), default=list(POLICIES))
    parser.add_argument("--policy", choices=sorted(POLICIES), help=argparse.SUPPRESS)  # one child process
    parser.add_argument("--first", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.policy:  # a child: run one policy in its RELANCE_HOME, print its figures as JSON
        print("RESULT " + json.dumps(run_policy(args.workdir, args.policy, args.first, args.days)))
        return 0
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="relance-closed-loop-"))).resolve()
    t0 = time.time()
    first = create_world(workdir / "origin" / "simulator", args.seed, args.customers, args.days)
    print(f"world: {args.customers} customers, 12 months of history ({time.time() - t0:.0f} s); {workdir}")
    try:  # one policy at a time, each on an identical copy of the world: the same customers for all
        results = {p: run_child(workdir / "origin", workdir / p, p, first, args.days) for p in args.policies}
    except RuntimeError as err:
        print(err)
        return 1
    report(results, args.days, time.time() - t0)
    report_time(results, args.days)
    return 0


def report(results: dict, days: int, seconds: float) -> None:
    names = list(results)
    due = results[names[0]]["invoices_due"]
    print(f"\nClosed loop over {days} simulated days ({due:,} invoices due; {seconds:.0f} s)")
    print(f"{'':<45}" + "".join(f"{n:>12}" for n in names))
    for label, key, fmt in ROWS:
        print(f"{label:<45}" + "".join(f"{fmt.format(results[n][key]):>12}" for n in names))
    print(f"\n{'mean days due → paid by simulated archetype (ground truth, unseen)':<45}")
    archetypes = sorted(results[names[0]]["by_archetype"])
    print(f"{'':<23}{'invoices':>8}" + "".join(f"{n:>12}" for n in names))
    for archetype in archetypes:
        row = [results[n]["by_archetype"].get(archetype, {}).get("mean_days", float("nan")) for n in names]
        count = results[names[0]]["by_archetype"][archetype]["invoices"]
        print(f"{archetype:<23}{count:>8.0f}" + "".join(f"{v:>12.2f}" for v in row))


def report_time(results: dict, days: int) -> None:
    """Seconds per simulated day of each step of the daily job (checks are steps of their own)."""
    names = list(results)
    every = {step for n in names for step in results[n]["step_seconds"]}
    steps = sorted(every, key=lambda k: -max(results[n]["step_seconds"].get(k, 0) for n in names))
    print(f"\n{'seconds per simulated day, by step':<52}" + "".join(f"{n:>10}" for n in names))
    for step in steps:
        print(f"{step[:51]:<52}" + "".join(f"{results[n]['step_seconds'].get(step, 0) / days:>10.2f}" for n in names))
    totals = [sum(results[n]["step_seconds"].values()) / days for n in names]
    print(f"{'all steps':<52}" + "".join(f"{t:>10.2f}" for t in totals))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
