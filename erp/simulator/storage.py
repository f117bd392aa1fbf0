"""The world's tables in its DuckDB file, appended chunk by chunk (creation streams customer
chunks to disk; the closed loop appends the pipeline's sends and their consequences)."""

from __future__ import annotations

import duckdb
import pandas as pd


def append(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame) -> None:
    if df is None or df.empty:
        return
    # fetchall, not fetchone: DuckDB 2 refuses register() while a result is partly fetched.
    exists = con.execute("select count(*) from information_schema.tables where table_name = ?", [name]).fetchall()[0][0]
    con.register("chunk_df", df)
    if exists:
        con.execute(f"insert into {name} by name select * from chunk_df")
    else:
        con.execute(f"create table {name} as select * from chunk_df")
    con.unregister("chunk_df")
