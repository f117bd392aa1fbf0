"""Simulate a world with about N invoices, then load its drop into a fresh warehouse.

Prints, for each phase, wall time, rows per second and the phase's peak resident memory (each
phase runs in its own process so the peaks are its own).

    python benchmarks/ingest.py --invoices 2000000 [--format parquet] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

END = date(2026, 6, 30)
RATE = 0.95  # invoices per customer-month at the large size (the simulator's --large rate)
MEAN_CUSTOMER_RATE = 1.197  # mean of the per-customer lognormal(0, 0.6) multiplier
MONTHS = 24
DROP_SHARE = 0.92  # drawn invoices that land in the drop (newcomers join late; future days are cut)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def simulate(workdir: Path, invoices: int, fmt: str) -> dict:
    from erp.simulator import SimulationConfig, World

    customers = max(50, round(invoices / (RATE * MEAN_CUSTOMER_RATE * MONTHS * DROP_SHARE)))
    config = SimulationConfig(
        end=END, customers=customers, months=MONTHS, invoices_per_month=RATE, future_days=30, drop_format=fmt
    )
    started = time.perf_counter()
    world = World.create(workdir / "world", config, progress=True)
    seconds = time.perf_counter() - started
    drop = world.drop_root / END.isoformat()
    return {"customers": customers, "drop": str(drop), "seconds": seconds, "peak_mb": peak_mb()}


def load(workdir: Path, drop: Path) -> dict:
    import duckdb

    from erp.ingest import load_day

    con = duckdb.connect(str(workdir / "warehouse.duckdb"))
    con.execute("set TimeZone = 'UTC'")
    started = time.perf_counter()
    reports = load_day(con, drop, END.isoformat())  # the pipeline's path: all files parsed, then one commit
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "rows": {t: r.rows_read for t, r in reports.items()},
        "rejected": sum(r.rows_rejected for r in reports.values()),
        "invoice_seconds": reports["invoices"].seconds,
    }


def run_phase(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--phase", choices=["simulate", "load"], help=argparse.SUPPRESS)
    parser.add_argument("--drop", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="relance-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.phase == "simulate":
        print(json.dumps(simulate(workdir, args.invoices, args.format)))
        return
    if args.phase == "load":
        print(json.dumps(load(workdir, args.drop)))
        return
    sim = run_phase(
        "--phase", "simulate", "--invoices", str(args.invoices), "--format", args.format, "--workdir", str(workdir)
    )
    loaded = run_phase("--phase", "load", "--drop", sim["drop"], "--workdir", str(workdir))
    invoices = loaded["rows"]["invoices"]
    total = sum(loaded["rows"].values())
    print(
        f"simulate: {sim['customers']:,} customers, {invoices:,} invoices in the drop ({total:,} rows, "
        f"{args.format}) in {sim['seconds']:.1f} s = {invoices / sim['seconds']:,.0f} invoices/s; "
        f"peak memory {sim['peak_mb']:,.0f} MB"
    )
    print(
        f"load:     {total:,} rows ({loaded['rejected']:,} rejected) in {loaded['seconds']:.1f} s = "
        f"{total / loaded['seconds']:,.0f} rows/s; invoices {invoices / loaded['invoice_seconds']:,.0f} rows/s; "
        f"peak memory {loaded['peak_mb']:,.0f} MB"
    )
    for table, rows in loaded["rows"].items():
        print(f"  {table:<18}{rows:>12,}")
    print(f"workdir: {workdir}")


if __name__ == "__main__":
    main()
