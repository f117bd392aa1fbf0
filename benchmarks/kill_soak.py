"""Kill soak: simulated days with a run killed at a random asset boundary each day, then re-run,
against a clean run of the same days on an identical copy of the simulated company.

Both copies start from one world (same seed). Each simulated day is the daily job of `make run`
(the closed loop's definitions: dry-run delivery on the simulated clock), run in a child process
on the copy's own RELANCE_HOME and its persistent Dagster instance. The clean copy runs each day
once. The soak copy runs the day with a kill point: right after the Dagster event log stores the
materialization of one asset, drawn with a seeded RNG among those the clean run of that day
materialized, the child SIGKILLs its whole process group (itself and a dbt still building: a
machine or container dying); the day is then re-run to completion as the next `make run` would.

At the end the two copies are compared (kill_compare.py): every table of the warehouse
(marts, raw, staging, scores, journeys), the dry-run outbox (.eml files) and the ERP's
contact history in the simulated world. Printed: days, kills per asset, differences (0
expected) and seconds per day.

A soak stops only between days (``--minutes``: no day starts that would end later) and records
its progress in the workdir, so ``--resume`` carries on with the same two copies later, from
the next day, until ``--days`` are done: 30 days fit a session on an idle machine, not on a busy
one. Both copies always run the same code on the same day, so what a resumed soak compares is
still only the kills' effect.

    nice -n 10 python benchmarks/kill_soak.py [--days 30] [--customers 150] [--months 6] [--seed 11]
    nice -n 10 python benchmarks/kill_soak.py --workdir DIR --resume [--days 30] [--minutes 120]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.closed_loop import QUIET, USER_SETTINGS  # noqa: E402

FIRST_EXTRACTION = date(2026, 3, 31)
# One portal secret for both copies: the links' tokens are random anyway (compared by the
# customer they name), but each must decrypt with the same key.
PORTAL_SECRET = "kill-soak-portal-secret-0123456789abcdef"
RESULT_FILE = "day_result.json"
PROGRESS_FILE = "progress.json"  # in the workdir: days done, draws and kills so far


def run_day(home: Path, day: str, kill_after: str | None) -> dict:
    """The child: the daily job for ``day`` on RELANCE_HOME's instance, as `make run` does it
    (runs a crash left STARTED are marked failed first); with ``kill_after`` the process group
    is SIGKILLed right after that asset's materialization is recorded."""
    from dagster._core.utils import make_new_run_id

    from benchmarks.closed_loop import policy_definitions
    from orchestration.abandoned_runs import fail_abandoned_runs, launch_tags
    from orchestration.run import instance_of_home

    job = policy_definitions("models").resolve_job_def("daily_job")
    with instance_of_home() as instance:
        fail_abandoned_runs(instance)
        run_id = make_new_run_id()
        if kill_after:
            instance.add_event_listener(run_id, _killer(kill_after))
        result = job.execute_in_process(
            partition_key=day,
            instance=instance,
            run_config=QUIET,
            raise_on_error=False,
            run_id=run_id,
            tags=launch_tags(),
        )
    materialized = [(e.step_key, e.asset_key.to_user_string()) for e in result.get_asset_materialization_events()]
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    return {"success": result.success, "materialized": materialized, "failed": failed}


def _killer(asset: str):
    def listener(entry) -> None:
        event = entry.dagster_event
        if event is not None and event.is_step_materialization and event.asset_key.to_user_string() == asset:
            os.killpg(os.getpgid(0), signal.SIGKILL)

    return listener


def day_in_child(home: Path, day: str, kill_after: str | None = None) -> dict | None:
    """Run one day in a child process of its own session (its group is what a kill takes down);
    the child's result, or None when it was killed."""
    (home / RESULT_FILE).unlink(missing_ok=True)
    command = [
        sys.executable,
        __file__,
        "--child",
        str(home),
        "--day",
        day,
        *(["--kill-after", kill_after] * bool(kill_after)),
    ]
    with open(home / "daily_job.log", "a") as log:
        code = subprocess.run(command, env=child_env(home), stdout=log, stderr=log, start_new_session=True).returncode
    if code == -signal.SIGKILL:
        return None
    if code:
        raise RuntimeError(f"{home.name} {day}: the run's process exited with {code} (see {home}/daily_job.log)")
    result = json.loads((home / RESULT_FILE).read_text())
    if not result["success"]:
        raise RuntimeError(f"{home.name} {day}: step(s) failed: {', '.join(result['failed'])}")
    return result


def child_env(home: Path) -> dict:
    """No user source, tracking store or SendGrid key leaks in (dry-run on the simulated world)."""
    env = {k: v for k, v in os.environ.items() if k not in USER_SETTINGS and k != "DAGSTER_HOME"}
    return env | {"RELANCE_HOME": str(home), "RELANCE_PORTAL_SECRET": PORTAL_SECRET}


def make_world(root: Path, customers: int, months: int, seed: int, days: int) -> None:
    from erp.simulator import SimulationConfig, World

    config = SimulationConfig(
        end=FIRST_EXTRACTION, customers=customers, months=months, seed=seed, future_days=days + 60
    )
    World.create(root / "simulator", config)


def draw(materialized: list[list[str]], rng: random.Random) -> str:
    """A step of the day's run, then one of the assets it materialized: uniform over the 68
    assets, 7 kills in 10 would fall inside dbt's build; this way every stage gets its share."""
    by_step: dict[str, list[str]] = {}
    for step, asset in materialized:
        by_step.setdefault(step, []).append(asset)
    return rng.choice(by_step[rng.choice(sorted(by_step))])


def both_copies(clean: Path, soak: Path, day: str, target: str) -> tuple[dict, bool]:
    """One day on both copies: the clean run alongside the soak's run killed right after
    ``target``, then the soak's re-run. The clean run's result, and whether the kill happened."""
    with ThreadPoolExecutor(2) as pool:
        clean_run = pool.submit(day_in_child, clean, day)
        killed = pool.submit(day_in_child, soak, day, target).result() is None
        clean_result = clean_run.result()
    day_in_child(soak, day)
    return clean_result, killed


def soak_days(workdir: Path, days: int, seed: int, deadline: float) -> dict:
    """The simulated days after those already done, one after the other, until ``days`` or a
    day that would end after ``deadline``; progress is saved after each. Each day's kill point is
    drawn (seeded by the day) among what the clean run of the day before materialized; the first
    day of a session runs its clean copy first, alone, to know it."""
    progress = load_progress(workdir)
    materialized = None
    for offset in range(progress["days"], days):
        day_started, day = time.time(), (FIRST_EXTRACTION + timedelta(days=offset + 1)).isoformat()
        if materialized is None:
            materialized = day_in_child(workdir / "clean", day)["materialized"]
            target = draw(materialized, random.Random(f"{seed}-{day}"))
            killed = day_in_child(workdir / "soak", day, target) is None
            day_in_child(workdir / "soak", day)
        else:
            target = draw(materialized, random.Random(f"{seed}-{day}"))
            result, killed = both_copies(workdir / "clean", workdir / "soak", day, target)
            materialized = result["materialized"]
        progress["days"] = offset + 1
        progress["drawn"][target] = progress["drawn"].get(target, 0) + 1
        progress["kills"][target] = progress["kills"].get(target, 0) + killed
        progress["seconds"] += time.time() - day_started
        (workdir / PROGRESS_FILE).write_text(json.dumps(progress, indent=1))
        print(f"  {day}: killed after {target}" + ("" if killed else " (NOT reached)"), flush=True)
        if 2 * time.time() - day_started > deadline:
            break
    return progress


def load_progress(workdir: Path) -> dict:
    path = workdir / PROGRESS_FILE
    return json.loads(path.read_text()) if path.exists() else {"days": 0, "drawn": {}, "kills": {}, "seconds": 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--customers", type=int, default=150)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--minutes", type=float, default=float("inf"), help="start no day that would end later")
    parser.add_argument("--resume", action="store_true", help="carry on the soak left in --workdir")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # one day's run, in its own process
    parser.add_argument("--day", help=argparse.SUPPRESS)
    parser.add_argument("--kill-after", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = run_day(args.child, args.day, args.kill_after)
        (args.child / RESULT_FILE).write_text(json.dumps(result))
        return 0
    from benchmarks.kill_compare import compare_homes

    if args.resume and not (args.workdir and (args.workdir / "soak").is_dir()):
        parser.error("--resume needs the --workdir of an earlier soak")
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="relance-kill-soak-"))).resolve()
    started = time.time()
    if not args.resume:
        make_world(workdir / "origin", args.customers, args.months, args.seed, args.days)
        for copy in ("clean", "soak"):
            shutil.copytree(workdir / "origin", workdir / copy)
        print(f"world: {args.customers} customers, {args.months} months to {FIRST_EXTRACTION}; in {workdir}")
    progress = soak_days(workdir, args.days, args.seed, started + 60 * args.minutes)
    differences = compare_homes(workdir / "clean", workdir / "soak")
    report(progress, differences, args.days)
    return 1 if any(differences.values()) or sum(progress["kills"].values()) < progress["days"] else 0


def report(progress: dict, differences: dict, days_wanted: int) -> None:
    days, drawn, kills = progress["days"], Counter(progress["drawn"]), Counter(progress["kills"])
    print(
        f"\nKill soak: {days} simulated days (of {days_wanted}), {sum(kills.values())} kills, each followed by a "
        f"re-run ({progress['seconds']:.0f} s, {progress['seconds'] / max(days, 1):.0f} s per day for both copies)"
    )
    print(f"{'killed right after':<60}{'kills':>6}")
    for asset, n in sorted(drawn.items()):
        print(f"{asset[:59]:<60}{kills[asset]:>6}" + ("" if kills[asset] == n else f" (of {n} drawn)"))
    print(f"\n{'compared with the clean run':<60}{'differing rows':>14}")
    for what, n in differences.items():
        print(f"{what[:59]:<60}{n:>14}")
    print(f"{'total':<60}{sum(differences.values()):>14}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
