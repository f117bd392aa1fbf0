"""The frames the plausibility expectations are validated on, computed in DuckDB.

GX validates pandas frames (it cannot read DuckDB over SQL: GX issues #10738, #11579), so each
frame is the smallest one its checks need, read in chunks: ``rows`` holds a partition's date
columns, ``amounts`` the ratio of each new row's amount to its customer's usual, ``load`` the one
row of load metrics (rows loaded, share rejected, share lost since the previous load).
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pandas as pd

from data_quality.suites import DATE_KINDS, amount_columns
from erp.contract import Table
from erp.ingest.rules import quote

CHUNK_ROWS = 250_000
NS_RANGE = (pd.Timestamp.min.ceil("s"), pd.Timestamp.max.floor("s"))
# The latest earlier extraction of the same table whose file was part of its drop.
_PREVIOUS = """(select partition_date, rows_loaded from raw.load_log where table_name = $table
    and partition_date < $partition and source_file is not null order by partition_date desc limit 1)"""


def load_metrics(con: duckdb.DuckDBPyConnection, table: str, partition: str) -> pd.DataFrame:
    """One row: the load of ``table`` for ``partition`` beside the previous load. A shrink is only
    measured when both extractions held the file (an absent optional file is not a shrink)."""
    frame = con.execute(
        f"""
        select l.rows_read, l.rows_loaded, l.rows_rejected,
               l.rows_rejected / nullif(l.rows_read, 0)::DOUBLE as rejected_share,
               case when l.source_file is not null and prev.rows_loaded > 0
                    then 1 - l.rows_loaded / prev.rows_loaded::DOUBLE end as shrunk_share,
               prev.partition_date::VARCHAR as previous_partition, prev.rows_loaded as previous_rows_loaded
        from raw.load_log l left join {_PREVIOUS} prev on true
        where l.table_name = $table and l.partition_date = $partition""",
        {"table": table, "partition": partition},
    ).df()
    if frame.empty:
        raise LookupError(f"raw.{table} has no load for {partition}: ingest it before validating it")
    return frame


def _rows_query(table: Table) -> str:
    columns = ", ".join(quote(c.name) for c in table.columns if c.kind in DATE_KINDS)
    return f"select {columns} from raw.{table.name} where _partition = $partition order by _source_line"


def _amounts_query(table: Table) -> str:
    """Rows new in this extraction (absent from the previous one) with their amount over the
    median amount of the same customer's rows in the previous extraction."""
    customer, amount = (quote(c.name) for c in amount_columns(table))
    same_key = " and ".join(f"o.{quote(k)} is not distinct from n.{quote(k)}" for k in table.key)
    keys = ", ".join(f"n.{quote(k)}" for k in table.key)
    return f"""
        with previous as (select partition_date from {_PREVIOUS}),
        usual as (
            select {customer} as customer, median({amount}) as usual from raw.{table.name}
            where _partition = (select partition_date from previous)
            group by 1 having count(*) >= $min_history),
        new as (
            select * from raw.{table.name} n where n._partition = $partition and not exists (
                select 1 from raw.{table.name} o
                where o._partition = (select partition_date from previous) and {same_key}))
        select {keys}, n.{amount} / u.usual::DOUBLE as ratio_to_usual
        from new n join usual u on u.customer = n.{customer} order by n._source_line"""


def chunks(
    con: duckdb.DuckDBPyConnection, frame: str, table: Table, partition: str, config: dict
) -> Iterator[pd.DataFrame]:
    """The frame named ``frame`` for ``table``'s ``partition``, CHUNK_ROWS rows at a time."""
    if frame == "load":
        yield load_metrics(con, table.name, partition)
        return
    params = {"partition": partition}
    if frame == "amounts":
        query = _amounts_query(table)
        params |= {"table": table.name, "min_history": config["amounts"]["min_history"]}
    else:
        query = _rows_query(table)
    cursor = con.cursor()
    cursor.execute(query, params)
    while not (chunk := cursor.fetch_df_chunk(max(1, CHUNK_ROWS // 2048))).empty:
        yield in_nanoseconds(chunk)


def in_nanoseconds(chunk: pd.DataFrame) -> pd.DataFrame:
    """The chunk's dates as datetime64[ns]. GX compares those vectorised but takes a per-value
    path on the [us] that DuckDB hands out: 7 million e-mail events took 26 s instead of 1.2 s
    (``benchmarks/daily_large.py``). A date outside the ns range (year 9999, year 1) is clipped
    to its edge, which every date check's bounds still exclude."""
    dates = [c for c in chunk.columns if pd.api.types.is_datetime64_dtype(chunk[c])]
    return chunk.assign(**{c: chunk[c].clip(NS_RANGE[0], NS_RANGE[1]).astype("datetime64[ns]") for c in dates})
