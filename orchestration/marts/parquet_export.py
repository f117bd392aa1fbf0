"""Export the marts' as-of slice as Parquet for BI tools: one folder per mart, Hive-partitioned by
as-of date (`<root>/<mart>/as_of_date=YYYY-MM-DD/data.parquet`). Dagster-free."""

from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"


def export_marts(con: duckdb.DuckDBPyConnection, root: Path, as_of_date: str) -> dict[str, int]:
    """Write every mart's rows for ``as_of_date``; re-exporting a day replaces its files."""
    marts = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by 1",
        [MARTS_SCHEMA]).fetchall()]
    written = {}
    for mart in marts:
        folder = Path(root) / mart / f"as_of_date={as_of_date}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "data.parquet"
        con.execute(f"copy (select * exclude (as_of_date) from {MARTS_SCHEMA}.{mart} where as_of_date = ?) "
                    f"to '{target}' (format parquet)", [as_of_date])
        written[mart] = con.execute(f"select count(*) from read_parquet('{target}')").fetchone()[0]
    return written
