"""The whole daily run at the large size, measured per asset: time and peak memory.

    nice -n 10 python benchmarks/daily_large.py --workdir DIR [--customers 100000] [--months 24] [--days 2]

In DIR/home (its own RELANCE_HOME, Dagster instance and MLflow store) a simulated company of
``--customers`` is made once; then, each in a process of its own so that each peak is its own:

1. *first run*: the daily job of the world's last history day without planning (ingestion, checks,
   dbt), then the training job — what `make run` does once, before anything is planned;
2. *day 1*: the next day's whole daily job as every morning runs it (ingestion, checks, dbt,
   scoring, contact list, dry-run delivery, the published copy and exports), champions in place;
3. *day 2*: the day after, which shows what a day costs when only one day's drop changed (and
   ``--days N`` more days, each a fresh drop, plan and delivery).

Each phase prints every step's wall time and peak resident memory (the process and its children,
such as dbt, sampled every 0.2 s while the step runs), then its total. Re-running with the same
DIR reuses the world and the phases already done (delete DIR/home/phases.json to measure again).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.closed_loop import QUIET, USER_SETTINGS  # noqa: E402

HISTORY_END = date(2026, 3, 31)
FUTURE_DAYS = 10  # days the world is simulated past its history: the most --days can run
SAMPLE_SECONDS = 0.2
LARGE_RATE = 0.95  # invoices per customer-month of the simulator's --large size: 2M+ invoices at 100k customers


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux). The tree is
    walked through each thread's ``children`` file: scanning every /proc entry five times a
    second took a fifth of the measured process's GIL time (py-spy)."""
    total, frontier = 0, [pid]
    while frontier:
        proc = frontier.pop()
        try:
            total += int((Path("/proc") / str(proc) / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for children in (Path("/proc") / str(proc) / "task").glob("*/children"):
                frontier.extend(int(child) for child in children.read_text().split())
        except (OSError, ValueError):  # a process that ended while we looked
            continue
    return total / 2**20


class StepMemory:
    """Peak memory per Dagster step of one run: a sampler thread charges each sample to the step
    the run's event log last said started (the in-process executor runs one step at a time)."""

    def __init__(self):
        self.current, self.peaks, self.overall = "(setup)", {}, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def listener(self, entry) -> None:
        event = entry.dagster_event
        if event is not None and event.is_step_start:
            self.current = entry.step_key

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            mb = tree_rss_mb(os.getpid())
            self.peaks[self.current] = max(self.peaks.get(self.current, 0.0), mb)
            self.overall = max(self.overall, mb)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_job(job_name: str, day: str | None, plan: bool = True) -> dict:
    """One job run in this process on RELANCE_HOME's instance; per step: seconds and peak MB.
    A failed step of the daily job stops the benchmark; a model that cannot train (too little
    history for it) is reported, as `make run` goes on without its scores."""
    import dagster as dg
    from dagster._core.utils import make_new_run_id

    from benchmarks.closed_loop import policy_definitions, step_seconds
    from orchestration.journeys.assets import PLANNING
    from orchestration.run import instance_of_home

    defs = policy_definitions("models")
    job = defs.resolve_job_def(job_name)
    selection = None
    if not plan:
        every = job.asset_layer.selected_asset_keys
        selection = list(every - dg.AssetSelection.assets(*PLANNING).downstream().resolve(defs.resolve_asset_graph()))
    started = time.perf_counter()
    with instance_of_home() as instance, StepMemory() as memory:
        run_id = make_new_run_id()
        instance.add_event_listener(run_id, memory.listener)
        result = job.execute_in_process(
            partition_key=day, instance=instance, run_config=QUIET, raise_on_error=False, run_id=run_id,
            asset_selection=selection,
        )  # fmt: skip
        seconds = step_seconds(instance, run_id)
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    if failed and job_name == "daily_job":
        raise RuntimeError(f"{job_name} {day}: step(s) failed: {', '.join(failed)}")
    steps = {step: {"seconds": s, "peak_mb": memory.peaks.get(step, 0.0)} for step, s in seconds.items()}
    return {"steps": steps, "seconds": time.perf_counter() - started, "peak_mb": memory.overall, "failed": failed}


def phase(name: str) -> dict:
    """The child's work for one phase (see the module's docstring)."""
    if name != "first_run":
        return {name: run_job("daily_job", phase_day(name).isoformat())}
    first = run_job("daily_job", HISTORY_END.isoformat(), plan=False)
    return {"first_run": first, "training": run_job("training_job", None)}


def phase_names(days: int) -> list[str]:
    return ["first_run", *(f"day_{n}" for n in range(1, days + 1))]


def phase_day(name: str) -> date:
    return HISTORY_END + timedelta(days=int(name.removeprefix("day_")))


def make_world(home: Path, customers: int, months: int) -> float:
    from erp.simulator import SimulationConfig, World

    started = time.perf_counter()
    config = SimulationConfig(
        end=HISTORY_END, customers=customers, months=months, future_days=FUTURE_DAYS, invoices_per_month=LARGE_RATE
    )
    World.create(home / "simulator", config, progress=True)
    return time.perf_counter() - started


def in_child(home: Path, name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in USER_SETTINGS and k != "DAGSTER_HOME"}
    with open(home / f"{name}.log", "w") as log:
        code = subprocess.run(
            [sys.executable, __file__, "--child", name, "--workdir", str(home.parent)],
            env=env | {"RELANCE_HOME": str(home)},
            stdout=log,
            stderr=subprocess.STDOUT,
        ).returncode
    if code:
        raise SystemExit(f"phase {name} failed with exit code {code}: see {home / f'{name}.log'}")
    return json.loads((home / f"{name}.json").read_text())


def report(results: dict) -> None:
    for name, run in results.items():
        failed = f"; failed: {', '.join(run['failed'])}" if run["failed"] else ""
        print(f"\n{name}: {run['seconds']:.0f} s, peak {run['peak_mb']:,.0f} MB{failed}")
        print(f"  {'step':<48}{'seconds':>9}{'peak MB':>10}")
        for step, figures in sorted(run["steps"].items(), key=lambda item: -item[1]["seconds"]):
            print(f"  {step[:47]:<48}{figures['seconds']:>9.1f}{figures['peak_mb']:>10,.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--days", type=int, default=2, choices=range(1, FUTURE_DAYS + 1), metavar="N",
                        help="daily runs after the first run (default 2); more on the same DIR adds days")  # fmt: skip
    parser.add_argument("--child", choices=phase_names(FUTURE_DAYS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    home = (args.workdir / "home").resolve()
    if args.child:
        (home / f"{args.child}.json").write_text(json.dumps(phase(args.child)))
        return 0
    home.mkdir(parents=True, exist_ok=True)
    done_file = home / "phases.json"
    results = json.loads(done_file.read_text()) if done_file.exists() else {}
    if not (home / "simulator").exists():
        seconds = make_world(home, args.customers, args.months)
        print(f"world: {args.customers:,} customers, {args.months} months, made in {seconds:.0f} s")
    for name in phase_names(args.days):
        if name not in results:
            results |= in_child(home, name)
            done_file.write_text(json.dumps(results))
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
