"""The warehouse's catalog as every stage asks it: does a table exist yet? A first run has no
marts, a fresh warehouse no journeys or ml tables, and each reader then works without them."""

from __future__ import annotations

import duckdb


def has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Whether ``schema.table`` exists. fetchall, not fetchone: DuckDB 2 refuses the connection's
    next statement while a result is only partly fetched."""
    schema, table = qualified.split(".")
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(query, [schema, table]).fetchall()[0][0] > 0
