"""The closed loop (benchmarks/closed_loop.py) over several seeds: static dunning, Relance's
rules, Relance with its models and the ground-truth oracle, each (seed, policy) in its own
process, one at a time, on copies of that seed's simulated company.

Each run's figures are saved as JSON in the workdir as soon as it ends, so an interrupted
benchmark resumes where it stopped (same --workdir, days and customers). Printed: per policy
the mean of each figure over the seeds; for models against rules and against static (and the
other pairs), the paired difference in mean days from due date to payment with its 95 %
t-interval across seeds (benchmarks/seed_stats.py says why the seed is the unit), net cash
difference likewise, reminders against static, and the share of the oracle's gain over static
each policy captures, overall and per simulated archetype; then the issue's bar, met or not.

    python benchmarks/closed_loop_seeds.py --seeds 5 --days 90 --customers 400 [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import closed_loop  # noqa: E402
from benchmarks import seed_stats as st  # noqa: E402

FIRST_SEED = 11  # closed_loop.py's default seed, then the next ones
PAIRS = [("models", "rules"), ("models", "static"), ("rules", "static"), ("oracle", "static"), ("oracle", "models")]
DAYS = "mean_days_due_to_paid"


def run_all(workdir: Path, seeds: list[int], days: int, customers: int, keep: bool) -> dict:
    """Every (seed, policy), resuming from the JSON files of the runs already done."""
    runs = {}
    for seed in seeds:
        todo = [p for p in closed_loop.POLICIES if not result_file(workdir, seed, p).exists()]
        origin = workdir / f"seed{seed}" / "origin"
        if todo:
            t0 = time.time()
            first = closed_loop.create_world(origin / "simulator", seed, customers, days)
            print(f"seed {seed}: world of {customers} customers ({time.time() - t0:.0f} s)", flush=True)
        for policy in closed_loop.POLICIES:
            path = result_file(workdir, seed, policy)
            if policy in todo:
                home, t0 = workdir / f"seed{seed}" / policy, time.time()
                figures = closed_loop.run_child(origin, home, policy, first, days) | {"wall_seconds": time.time() - t0}
                path.with_suffix(".tmp").write_text(json.dumps(figures))
                path.with_suffix(".tmp").replace(path)  # whole or absent: a killed run is redone
                if not keep:
                    shutil.rmtree(home)
                print(f"seed {seed} {policy}: {figures['wall_seconds']:.0f} s", flush=True)
            runs[(seed, policy)] = json.loads(path.read_text())
    return runs


def result_file(workdir: Path, seed: int, policy: str) -> Path:
    return workdir / f"seed{seed}-{policy}.json"


def report(runs: dict, seeds: list[int]) -> None:
    names = list(closed_loop.POLICIES)
    print(f"\n{'seed':<6}{'policy':<8}{'days due → paid':>17}{'reminders':>11}{'net cash':>14}{'seconds':>9}")
    for (seed, policy), f in sorted(runs.items()):
        print(
            f"{seed:<6}{policy:<8}{f[DAYS]:>17.2f}{f['reminders']:>11,}{f['net_cash']:>14,.0f}"
            f"{f.get('wall_seconds', float('nan')):>9.0f}"
        )
    print(f"\nMeans over {len(seeds)} seeds ({', '.join(map(str, seeds))})")
    print(f"{'':<45}" + "".join(f"{n:>12}" for n in names))
    for label, key, fmt in closed_loop.ROWS:
        means = [sum(st.figure(runs, n, key, seeds)) / len(seeds) for n in names]
        print(f"{label:<45}" + "".join(f"{fmt.format(m):>12}" for m in means))
    print(f"\n{'paired difference, 95 % t-interval across seeds':<52}{'days due → paid':>28}{'net cash':>34}")
    for a, b in PAIRS:
        days = st.paired_interval(st.figure(runs, a, DAYS, seeds), st.figure(runs, b, DAYS, seeds))
        cash = st.paired_interval(st.figure(runs, a, "net_cash", seeds), st.figure(runs, b, "net_cash", seeds))
        print(f"{a + ' − ' + b:<52}{str(days):>28}{_money(cash):>34}")
    static_reminders = st.figure(runs, "static", "reminders", seeds)
    print(
        "\nreminders against static: "
        + ", ".join(
            f"{n} {st.change_pct(st.figure(runs, n, 'reminders', seeds), static_reminders):+.1f} %" for n in names[1:]
        )
    )
    shares = oracle_shares(runs, seeds)
    print(f"\n{'share of the oracle gain over static (days)':<45}{'rules':>10}{'models':>10}")
    for group, (rules, models) in shares.items():
        print(f"{group:<45}{rules:>10.0%}{models:>10.0%}")
    verdict(runs, seeds, shares["overall"][1])


def oracle_shares(runs: dict, seeds: list[int]) -> dict[str, tuple[float, float]]:
    """Per policy (rules, models): overall from the mean days over seeds, then per archetype."""
    mean = {n: sum(st.figure(runs, n, DAYS, seeds)) / len(seeds) for n in closed_loop.POLICIES}
    out = {"overall": tuple(st.oracle_share(mean["static"], mean[p], mean["oracle"]) for p in ("rules", "models"))}
    for archetype in sorted(runs[(seeds[0], "static")]["by_archetype"]):
        days = {n: st.archetype_days(runs, n, archetype, seeds) for n in closed_loop.POLICIES}
        out[archetype] = tuple(st.oracle_share(days["static"], days[p], days["oracle"]) for p in ("rules", "models"))
    return out


def verdict(runs: dict, seeds: list[int], share: float) -> None:
    """The issue's closed-loop bar, condition by condition."""
    days = {n: st.figure(runs, n, DAYS, seeds) for n in closed_loop.POLICIES}
    vs_rules = st.paired_interval(days["models"], days["rules"])
    vs_static = st.paired_interval(days["models"], days["static"])
    cash = st.paired_interval(
        st.figure(runs, "models", "net_cash", seeds), st.figure(runs, "static", "net_cash", seeds)
    )
    fewer = st.change_pct(st.figure(runs, "models", "reminders", seeds), st.figure(runs, "static", "reminders", seeds))
    checks = [
        ("models earlier than rules, 95 % interval below zero", vs_rules.high < 0),
        ("models earlier than static, 95 % interval below zero", vs_static.high < 0),
        (f"at least 20 % fewer reminders than static ({fewer:+.1f} %)", fewer <= -20),
        (f"more net cash than static ({_money(cash)})", cash.mean > 0),
        (f"captures at least 70 % of the oracle's gain ({share:.0%})", share >= 0.7),
    ]
    print("\nDone when (closed loop):")
    for label, ok in checks:
        print(f"  [{'x' if ok else ' '}] {label}")


def _money(iv: st.Interval) -> str:
    return f"{iv.mean:+,.0f} [{iv.low:+,.0f}, {iv.high:+,.0f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--workdir", type=Path, help="where runs are saved (and resumed from)")
    parser.add_argument("--keep", action="store_true", help="keep each run's RELANCE_HOME (warehouse, MLflow)")
    args = parser.parse_args(argv)
    default = Path(tempfile.gettempdir()) / f"relance-closed-loop-seeds-{args.customers}c-{args.days}d"
    workdir = (args.workdir or default).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    size, saved = {"days": args.days, "customers": args.customers}, workdir / "settings.json"
    if saved.exists() and json.loads(saved.read_text()) != size:  # resuming: the runs must be comparable
        print(f"{workdir} holds runs of {saved.read_text()}, not {json.dumps(size)}: use another --workdir")
        return 2
    saved.write_text(json.dumps(size))
    seeds = [FIRST_SEED + i for i in range(args.seeds)]
    print(f"closed loop over seeds {seeds}: {args.days} days, {args.customers} customers, in {workdir}")
    try:
        runs = run_all(workdir, seeds, args.days, args.customers, args.keep)
    except RuntimeError as err:
        print(f"{err}: the runs done so far are saved; re-run the same command to resume")
        return 1
    report(runs, seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
