"""Load contract tables of one extraction into ``raw.<table>``.

A partition (an extraction date) is replaced inside a transaction: the old rows of that
partition and their rejects are deleted and the new ones inserted, so re-loading a day is
idempotent and a failure leaves the previous state untouched. Files are parsed whole into temp
tables before the transaction begins (:mod:`erp.ingest.stage`).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from erp.contract import TABLES, Table
from erp.ingest import rules
from erp.ingest.check import check_rows, extra_columns, raw_row, reason_counts
from erp.ingest.files import DropFileError, find_table_file, inspect_file
from erp.ingest.rules import literal, quote
from erp.ingest.stage import Staged, stage_file
from erp.warehouse import has_table

LINEAGE_COLUMNS = (
    "_partition DATE NOT NULL, _source_file VARCHAR NOT NULL, _source_line BIGINT NOT NULL, "
    "_loaded_at TIMESTAMP NOT NULL, _extra JSON"
)
LOAD_LOG_DDL = """
create table if not exists raw.load_log (
    table_name VARCHAR NOT NULL, partition_date DATE NOT NULL, source_file VARCHAR,
    rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_rejected BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL, PRIMARY KEY (table_name, partition_date)
)"""
REJECTS_DDL = """
create table if not exists raw.rejects (
    table_name VARCHAR NOT NULL, partition_date DATE NOT NULL, source_file VARCHAR NOT NULL,
    source_line BIGINT NOT NULL, raw_row JSON, reason VARCHAR NOT NULL, rejected_at TIMESTAMP NOT NULL
)"""


@dataclass
class LoadReport:
    table: str
    partition: str
    file: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    skipped_checks: list[str] = field(default_factory=list)
    seconds: float = 0.0


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(REJECTS_DDL)
    con.execute(LOAD_LOG_DDL)
    for table in TABLES.values():
        columns = ", ".join(f"{quote(c.name)} {rules.sql_type(c)}" for c in table.columns)
        con.execute(f"create table if not exists raw.{table.name} ({columns}, {LINEAGE_COLUMNS})")


def load_table(
    con: duckdb.DuckDBPyConnection, drop_dir: Path, table_name: str, partition: str, retention_days: int | None = None
) -> LoadReport:
    """Replace ``partition`` of ``raw.<table_name>`` with the drop's file.

    An absent optional file loads an empty snapshot (the ERP did not export the table that
    day). The file is parsed whole first: whole-file problems raise :class:`DropFileError`
    before anything is written. A day's tables load together with :func:`erp.ingest.load_day`.
    """
    table = TABLES[table_name]
    path = find_table_file(drop_dir, table_name)
    if path is None and table.required:
        raise DropFileError(drop_dir / f"{table_name}.csv", "required table file is missing")
    staged = stage_file(con, inspect_file(table, path)) if path is not None else None
    try:
        ensure_raw_schema(con)
        with transaction(con):
            return commit_table(con, table, staged, partition, retention_days)
    finally:
        if staged is not None:
            staged.drop(con)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """Everything inside commits together or, on any failure, not at all."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def commit_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    staged: Staged | None,
    partition: str,
    retention_days: int | None = None,
) -> LoadReport:
    """Inside the caller's transaction, replace the partition of ``raw.<table>`` with the staged
    file (None: an empty snapshot) and log the load."""
    started = time.perf_counter()
    report = LoadReport(table.name, partition, str(staged.file.path) if staged else None)
    _delete_partition(con, table.name, partition)
    if staged is not None:
        _insert(con, table, staged, partition, report)
        con.execute("drop table checked")  # on a failure, the rollback drops it
    _log(con, report)
    if retention_days is not None:
        _prune(con, table.name, partition, retention_days)
    report.seconds = time.perf_counter() - started
    return report


def latest_partition(con: duckdb.DuckDBPyConnection) -> str | None:
    """The newest extraction date loaded (None before any): a run for an older one is a backfill
    of history, which must neither contact anyone nor rewind the latest-state tables."""
    exists = has_table(con, "raw.load_log")
    latest = con.execute("select max(partition_date) from raw.load_log").fetchall()[0][0] if exists else None
    return latest.isoformat() if latest else None


def _delete_partition(con, table_name: str, partition: str) -> None:
    con.execute(f"delete from raw.{table_name} where _partition = ?", [partition])
    for log in ("rejects", "load_log"):
        con.execute(f"delete from raw.{log} where table_name = ? and partition_date = ?", [table_name, partition])


def _log(con, report: LoadReport) -> None:
    con.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [report.table, report.partition, report.file, report.rows_read, report.rows_loaded, report.rows_rejected],
    )


def _prune(con, table_name: str, partition: str, retention_days: int) -> None:
    """Drop partitions older than the retention window behind the one just loaded, so that a
    daily run does not grow the warehouse without bound."""
    cutoff = date.fromisoformat(partition) - timedelta(days=retention_days)
    con.execute(f"delete from raw.{table_name} where _partition < ?", [cutoff])
    for log in ("rejects", "load_log"):
        con.execute(f"delete from raw.{log} where table_name = ? and partition_date < ?", [table_name, cutoff])


def _insert(con, table: Table, staged: Staged, partition: str, report: LoadReport) -> None:
    report.skipped_checks = check_rows(con, table, staged, partition)
    source = literal(str(staged.file.path))
    part = literal(partition)
    extras = extra_columns(table, staged.file)
    extra_json = (
        "json_object(" + ", ".join(f"{literal(c)}, x_{i}" for i, c in enumerate(extras)) + ")"
        if extras
        else "NULL::JSON"
    )
    columns = ", ".join(quote(c) for c in table.column_names)
    con.execute(f"""
        insert into raw.{table.name}
        select {columns}, {part}::DATE, {source}, _line, now()::TIMESTAMP, {extra_json}
        from checked where len(_reasons) = 0 order by _line""")
    con.execute(f"""
        insert into raw.rejects
        select {literal(table.name)}, {part}::DATE, {source}, c._line, {raw_row(staged)},
               array_to_string(c._reasons, '; '), now()::TIMESTAMP
        from checked c join {staged.name} s on s._line = c._line where len(c._reasons) > 0""")
    unparsed = _insert_unparsed(con, staged, table.name, part, source)
    loaded, rejected = con.execute(
        "select count(*) filter (where len(_reasons) = 0), count(*) filter (where len(_reasons) > 0) from checked"
    ).fetchone()
    report.rows_loaded = loaded
    report.rows_rejected = rejected + staged.rejected
    report.rows_read = con.execute(f"select count(*) from {staged.name}").fetchone()[0] + staged.rejected
    report.reasons = reason_counts(con) | unparsed
    if report.rows_read != report.rows_loaded + report.rows_rejected:
        raise RuntimeError(
            f"{staged.file.path}: {report.rows_read} rows read but {report.rows_loaded} loaded "
            f"+ {report.rows_rejected} rejected; refusing to lose rows"
        )


def _insert_unparsed(con, staged: Staged, table: str, part: str, source: str) -> dict[str, int]:
    """Quarantine the CSV records DuckDB could not parse and return their count by reason. A
    record above the reader's line limit (max_line_size) is one of them: its line number is
    exact, its text is kept cut."""
    if not staged.rejected:
        return {}
    kind = (
        "case when bool_or(error_type = 'LINE SIZE OVER MAXIMUM') then 'row longer than the CSV line limit' "
        "else 'malformed CSV row' end"
    )
    con.execute(f"""
        insert into raw.rejects
        select {literal(table)}, {part}::DATE, {source}, line, json_object('_unparsed_line', any_value(csv_line)),
               {kind} || ': ' || arg_min(error_message, coalesce(column_idx, 0)), now()::TIMESTAMP
        from {staged.rejects} group by line""")
    return dict(
        con.execute(
            f"select kind, count(*) from (select {kind} as kind from {staged.rejects} group by line) group by kind"
        ).fetchall()
    )
