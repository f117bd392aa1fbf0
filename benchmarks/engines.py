"""Build the marts of one simulated world on DuckDB, PostgreSQL and Spark, and print each time.

    python benchmarks/engines.py                          # 300 customers, 12 months, one day
    python benchmarks/engines.py --customers 2000 --months 24 --engines duckdb postgres
    python benchmarks/engines.py --customers 150 600 --no-tests --core-hour-price 0.05

Each engine gets a fresh local server (PostgreSQL 15 initialised into a temporary folder; the
Spark Thrift Server of the pyspark wheel, local[2]) and builds the same dbt project as of the
world's last day from the same open raw layer. Printed per engine: publishing the layer (COPY
into PostgreSQL, views on Spark; DuckDB reads its own raw.*), `dbt run` of every model, and
`dbt build` with every data test, plus the server's start-up. Given two or more world sizes, it
also fits each engine's `dbt run` time as fixed + per-invoice cost (benchmarks/engine_cost.py)
and projects Spark's onto a cluster: time and price at 2 M and 20 M invoices on 8 to 64 cores.
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

from benchmarks import engine_cost  # noqa: E402
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


LOCAL_CORES = 2  # the servers run local[2] / on this 2-core machine
PROJECTED_INVOICES = (2_000_000, 20_000_000)
CLUSTER_CORES = (8, 16, 32, 64)
DEADLINE_SECONDS = 600  # the daily run's whole budget (issue 15): the marts alone must fit in it


def build_world(root: Path, customers: int, months: int) -> int:
    """Simulate and ingest one world; returns its invoice count."""
    import duckdb

    started = time.perf_counter()
    make_world(root, END, days=1, customers=customers, months=months)
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        invoices = con.execute("select count(*) from raw.invoices").fetchone()[0]
    print(f"world: {customers} customers, {months} months, {invoices:,} invoices "
          f"(simulated and ingested in {time.perf_counter() - started:.1f} s)")  # fmt: skip
    return invoices


def print_cost_model(runs: dict[str, list[tuple[int, float]]], price: float) -> None:
    """Each engine's fitted line, and Spark's projection onto a cluster."""
    fits = {engine: engine_cost.fit(*zip(*points, strict=True), cores=LOCAL_CORES) for engine, points in runs.items()}
    print("\ncost model of `dbt run` (fixed + per million invoices, on this machine):")
    for engine, model in fits.items():
        print(f"{engine:>8}: {model.fixed:.1f} s + {model.per_million:.1f} s per million invoices")
    if "spark" not in fits:
        return
    print(f"\nSpark on a cluster (lower bound: the per-invoice part spread evenly; ${price}/core-hour):")
    for invoices in PROJECTED_INVOICES:
        cells = [f"{c} cores {fits['spark'].seconds(invoices, c):.0f} s ${fits['spark'].cost(invoices, c, price):.3f}"
                 for c in CLUSTER_CORES]  # fmt: skip
        fewest = engine_cost.cheapest_cores(fits["spark"], invoices, DEADLINE_SECONDS, CLUSTER_CORES)
        deadline = f"10 min from {fewest} cores" if fewest else f"not within 10 min on {CLUSTER_CORES[-1]} cores"
        print(f"{invoices / 1e6:>5.0f} M invoices: " + "; ".join(cells) + f"; {deadline}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, nargs="+", default=[300], help="one world per size")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--engines", nargs="+", default=list(SERVERS), choices=list(SERVERS))
    parser.add_argument("--no-tests", action="store_true", help="time `dbt run` only, not `dbt build`")
    parser.add_argument("--core-hour-price", type=float, default=0.05, help="USD per core-hour, for the cluster")
    args = parser.parse_args()
    for engine in args.engines:
        if engine != "duckdb" and (reason := engine_servers.missing(engine)):
            raise SystemExit(f"{engine}: {reason}")
    runs: dict[str, list[tuple[int, float]]] = {engine: [] for engine in args.engines}
    with tempfile.TemporaryDirectory(prefix="relance-engines-") as folder:
        for customers in args.customers:
            root = Path(folder) / f"world-{customers}"
            invoices = build_world(root, customers, args.months)
            for engine in args.engines:
                times = measure(engine, root, not args.no_tests)
                runs[engine].append((invoices, times["dbt run"]))
                print(f"{engine:>8}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in times.items()))
    if len(set(args.customers)) > 1:
        print_cost_model(runs, args.core_hour_price)


if __name__ == "__main__":
    main()
