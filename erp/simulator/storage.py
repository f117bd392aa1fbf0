"""The world's tables in its DuckDB file, appended chunk by chunk (creation streams customer
chunks to disk; the closed loop appends the pipeline's sends and their consequences)."""

from __future__ import annotations

import duckdb
import pandas as pd

from erp.warehouse import has_table


def append(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame) -> None:
    if df is None or df.empty:
        return
    exists = has_table(con, f"main.{name}")
    con.register("chunk_df", df)
    if exists:
        con.execute(f"insert into {name} by name select * from chunk_df")
    else:
        con.execute(f"create table {name} as select * from chunk_df")
    con.unregister("chunk_df")
