"""Build the marts of one simulated world on DuckDB, PostgreSQL and Spark, and print each time.

    python benchmarks/engines.py                          # 300 customers, 12 months, one day
    python benchmarks/engines.py --customers 2000 --months 24 --engines duckdb postgres

Each engine gets a fresh local server (PostgreSQL 15 initialised into a temporary folder; the
Spark Thrift Server of the pyspark wheel, local[2]) and builds the same dbt project as of the
world's last day from the same open raw layer. Printed per engine: publishing the layer (COPY
into PostgreSQL, views on Spark; DuckDB reads its own raw.*), `dbt run` of every model, and
`dbt build` with every data test, plus the server's start-up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import engine_servers  # noqa: E402
from tests.engines_world import dbt, make_world, publish  # noqa: E402

END = date(2026, 6, 30)
SERVERS = {"duckdb": lambda: nullcontext({}), "postgres": engine_servers.postgres_server,
           "spark": engine_servers.spark_thrift_server}  # fmt: skip


def measure(engine: str, root: Path, tests: bool) -> dict[str, float]:
    """Seconds for each step of building the marts on ``engine``."""
    started = time.perf_counter()
    with SERVERS[engine]() as env:
        times = {"server start": time.perf_counter() - started}
        if engine != "duckdb":
            started = time.perf_counter()
            publish(engine, env, root)
            times["publish layer"] = time.perf_counter() - started
        times["dbt run"] = dbt(engine, env, root, END, "run")
        if tests:
            times["dbt build"] = dbt(engine, env, root, END, "build", "--exclude-resource-type", "unit_test")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--engines", nargs="+", default=list(SERVERS), choices=list(SERVERS))
    parser.add_argument("--no-tests", action="store_true", help="time `dbt run` only, not `dbt build`")
    args = parser.parse_args()
    for engine in args.engines:
        if engine != "duckdb" and (reason := engine_servers.missing(engine)):
            raise SystemExit(f"{engine}: {reason}")
    with tempfile.TemporaryDirectory(prefix="relance-engines-") as folder:
        root = Path(folder)
        started = time.perf_counter()
        make_world(root, END, days=1, customers=args.customers, months=args.months)
        import duckdb

        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
            invoices = con.execute("select count(*) from raw.invoices").fetchone()[0]
        print(f"world: {args.customers} customers, {args.months} months, {invoices:,} invoices "
              f"(simulated and ingested in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        for engine in args.engines:
            times = measure(engine, root, not args.no_tests)
            print(f"{engine:>8}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in times.items()))


if __name__ == "__main__":
    main()
