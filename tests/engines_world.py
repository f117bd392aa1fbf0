"""One small simulated world built by the same dbt project on DuckDB, PostgreSQL and Spark, for
tests/test_engines.py and benchmarks/engines.py: ingestion loads DuckDB's raw.* and writes the
open raw layer (Hive-partitioned Parquet); the other engines read that layer; the KPI marts are
fetched from each engine in one comparable form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
DBT = str(Path(sys.executable).with_name("dbt"))
# The marts whose figures people report (KPIs, aging, cash forecast, balances), each with its key.
KPI_MARTS = {
    "mart_collections_kpis_daily": ["as_of_date", "period_end", "currency_code"],
    "mart_collections_kpis_monthly": ["as_of_date", "period_end", "currency_code"],
    "mart_ar_aging": ["as_of_date", "customer_id", "currency_code", "aging_bucket"],
    "mart_cash_forecast": ["as_of_date", "currency_code", "week_number"],
    "fct_customer_balances": ["customer_id", "currency_code"],
}
KPI_SELECTION = " ".join(f"+{mart}" for mart in KPI_MARTS)
# Scores the cash forecast reads, made up from the invoices (no model is trained here): the same
# rows reach every engine through the open layer, like any other source table.
SCORES_SQL = """
create schema if not exists ml;
create or replace table ml.invoice_scores as
select i.invoice_id, i.currency as currency_code, i.due_date, cast(i.amount as decimal(18,2)) as open_amount,
       cast(hash(i.invoice_id) % 20 as double) - 5 as p10_days_late,
       cast(hash(i.invoice_id) % 20 as double) + 7.5 as p50_days_late,
       cast(hash(i.invoice_id) % 20 as double) + 31.25 as p90_days_late,
       i._partition as as_of_date
from raw.invoices as i"""


def make_world(root: Path, end: date, days: int = 2, customers: int = 60, months: int = 6) -> Path:
    """Simulate, ingest ``days`` extraction days ending at ``end`` into root/warehouse.duckdb with
    the open layer in root/lake, add the made-up scores; returns the warehouse."""
    from erp.ingest import load_day
    from erp.ingest.lake import write_partition
    from erp.simulator import SimulationConfig, World

    world = World.create(root / "world", SimulationConfig(end=end, customers=customers, months=months, seed=5))
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("set TimeZone = 'UTC'")
        for day in build_days(end, days):
            load_day(con, world.emit(day), day.isoformat(), None, root / "lake")
        con.execute(SCORES_SQL)
        for day in build_days(end, days):
            write_partition(con, root / "lake", "ml", "invoice_scores", "as_of_date", day.isoformat())
    return warehouse


def build_days(end: date, days: int) -> list[date]:
    return [end - timedelta(days=n) for n in reversed(range(days))]


def dbt(engine: str, env: dict, root: Path, day: date, *args: str) -> float:
    """One dbt command on ``engine`` as of ``day``; returns its wall time (raises on failure)."""
    started = time.perf_counter()
    result = subprocess.run(
        [DBT, "--quiet", *args, "--target", engine, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
         "--target-path", str(root / f"target-{engine}"), "--log-path", str(root / f"logs-{engine}"),
         "--vars", json.dumps({"as_of_date": day.isoformat()})],
        env=os.environ | env | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                                "RELANCE_WAREHOUSE": str(root / "warehouse.duckdb")},
        capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} on {engine} failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
        )
    return time.perf_counter() - started


def normalise(value):
    """A value as every engine's client can be compared: numbers to 6 decimals (money is to the cent
    and KPI ratios to 4 in the marts themselves), dates and timestamps as ISO text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal | float | int):
        return round(float(value), 6)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def fetch(engine: str, env: dict, root: Path, mart: str) -> list[tuple]:
    """Every row of the mart on ``engine``, normalised, in a stable order (by name-sorted columns)."""
    rows, names = query(engine, env, root, f"select * from marts.{mart}")
    order = sorted(range(len(names)), key=lambda i: names[i])
    table = [tuple(normalise(row[i]) for i in order) for row in rows]
    return sorted(table, key=lambda row: tuple((v is None, str(v)) for v in row))


def query(engine: str, env: dict, root: Path, sql: str) -> tuple[list[tuple], list[str]]:
    if engine == "duckdb":
        with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
            cur = con.execute(sql)
            return cur.fetchall(), [d[0] for d in cur.description]
    if engine == "postgres":
        import psycopg2

        with psycopg2.connect(**_pg(env)) as con, con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall(), [d[0] for d in cur.description]
    from pyhive import hive

    with hive.connect(host=env["RELANCE_SPARK_HOST"], port=int(env["RELANCE_SPARK_PORT"]), username="relance") as con:
        cur = con.cursor()
        cur.execute(sql)
        return cur.fetchall(), [d[0].split(".")[-1] for d in cur.description]


def _pg(env: dict) -> dict:
    return {"host": env["RELANCE_PG_HOST"], "port": int(env["RELANCE_PG_PORT"]), "user": env["RELANCE_PG_USER"],
            "password": env["RELANCE_PG_PASSWORD"], "dbname": env["RELANCE_PG_DATABASE"]}  # fmt: skip


def publish(engine: str, env: dict, root: Path) -> dict[str, int]:
    """The open layer (raw and the scores) made readable on ``engine``."""
    import engines

    if engine == "postgres":
        return engines.publish_postgres(root / "lake", _pg(env), schemas=("raw", "ml"))
    connection = {"host": env["RELANCE_SPARK_HOST"], "port": int(env["RELANCE_SPARK_PORT"]), "username": "relance"}
    return engines.publish_spark(root / "lake", connection, schemas=("raw", "ml"))
