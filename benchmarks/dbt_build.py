"""Time `dbt build` (every model and test) on a warehouse loaded at the large simulator size.

    python benchmarks/dbt_build.py --invoices 2000000            # simulate + load first (benchmarks/ingest.py)
    python benchmarks/dbt_build.py --workdir /tmp/relance-bench-… # reuse a loaded warehouse

Prints the wall time and the dbt process's peak resident memory, and rows in the main marts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import END  # noqa: E402  (the benchmark world's extraction date)

PROJECT = ROOT / "dbt_project"


def load_warehouse(invoices: int) -> Path:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ingest.py"), "--invoices", str(invoices)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(out.strip())
    return Path(out.strip().splitlines()[-1].split("workdir: ", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=2_000_000)
    parser.add_argument("--workdir", type=Path, help="a workdir left by benchmarks/ingest.py")
    args = parser.parse_args()
    workdir = args.workdir or load_warehouse(args.invoices)
    warehouse = workdir / "warehouse.duckdb"
    env = os.environ | {"RELANCE_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        "--project-dir",
        str(PROJECT),
        "--profiles-dir",
        str(PROJECT),
        "--target-path",
        str(workdir / "dbt_target"),
        "--vars",
        json.dumps({"as_of_date": END.isoformat()}),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = [line for line in result.stdout.splitlines() if "Done." in line]
    if result.returncode != 0:
        print(result.stdout[-5000:])
        raise SystemExit(f"dbt build failed ({result.returncode})")
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = {
            t: con.execute(f"select count(*) from marts.{t}").fetchone()[0]
            for t in ("fct_invoices", "dim_customer_360", "mart_ar_aging", "fct_contacts")
        }
    print(f"dbt build: {seconds:.1f} s wall, peak memory {peak_mb:,.0f} MB; {summary[-1].split('Done.')[-1].strip()}")
    print("marts: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))


if __name__ == "__main__":
    main()
