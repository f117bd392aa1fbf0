"""Export the marts' as-of slice as Parquet for BI tools: one folder per mart, Hive-partitioned by
as-of date (`<root>/<mart>/as_of_date=YYYY-MM-DD/data.parquet`). Dagster-free."""

from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"
PERSONAL = ("dim_contacts",)  # e-mail addresses and names stay in the warehouse, out of BI exports


def export_marts(con: duckdb.DuckDBPyConnection, root: Path, as_of_date: str, marts: list[str]) -> dict[str, int]:
    """Write the rows for ``as_of_date`` of each of ``marts`` that exists (contacts' personal data
    never leaves); re-exporting a day replaces its files."""
    existing = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
        ).fetchall()
    }
    return {
        mart: export_slice(con, f"{MARTS_SCHEMA}.{mart}", Path(root) / mart, as_of_date)
        for mart in sorted(marts)
        if mart in existing and mart not in PERSONAL
    }


def export_slice(con: duckdb.DuckDBPyConnection, table: str, folder: Path, as_of_date: str) -> int:
    """Write one table's rows for ``as_of_date`` to ``<folder>/as_of_date=…/data.parquet``."""
    target = Path(folder) / f"as_of_date={as_of_date}" / "data.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"copy (select * exclude (as_of_date) from {table} where as_of_date = ?) to '{target}' (format parquet)",
        [as_of_date],
    )
    return con.execute(f"select count(*) from read_parquet('{target}')").fetchone()[0]
