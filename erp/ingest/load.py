"""Load one contract table of one extraction into ``raw.<table>``.

A partition (an extraction date) is replaced in a single transaction: the old rows of that
partition and their rejects are deleted and the new ones inserted, so re-loading a day is
idempotent and a failure leaves the previous state untouched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from erp.contract import TABLES, Table
from erp.ingest import rules
from erp.ingest.files import DropFileError, find_table_file, inspect_file
from erp.ingest.rules import literal, quote

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


def load_table(con: duckdb.DuckDBPyConnection, drop_dir: Path, table_name: str, partition: str,
               retention_days: int | None = None) -> LoadReport:
    """Replace ``partition`` of ``raw.<table_name>`` with the drop's file.

    An absent optional file loads an empty snapshot (the ERP did not export the table that
    day). Whole-file problems raise :class:`DropFileError` before anything is written.
    """
    started = time.perf_counter()
    table = TABLES[table_name]
    ensure_raw_schema(con)
    path = find_table_file(drop_dir, table_name)
    if path is None and table.required:
        raise DropFileError(drop_dir / f"{table_name}.csv", "required table file is missing")
    report = LoadReport(table_name, partition, str(path) if path else None)
    con.execute("begin transaction")
    try:
        _delete_partition(con, table_name, partition)
        if path is not None:
            _stage_and_insert(con, table, inspect_file(table, path), partition, report)
        _log(con, report)
        if retention_days is not None:
            _prune(con, table_name, partition, retention_days)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for temp in ("stage", "checked", "csv_rejects", "csv_scans"):
            con.execute(f"drop table if exists {temp}")
    report.seconds = time.perf_counter() - started
    return report


def _delete_partition(con, table_name: str, partition: str) -> None:
    con.execute(f"delete from raw.{table_name} where _partition = ?", [partition])
    for log in ("rejects", "load_log"):
        con.execute(f"delete from raw.{log} where table_name = ? and partition_date = ?", [table_name, partition])


def _log(con, report: LoadReport) -> None:
    con.execute("insert into raw.load_log values (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
                [report.table, report.partition, report.file, report.rows_read, report.rows_loaded,
                 report.rows_rejected])


def _prune(con, table_name: str, partition: str, retention_days: int) -> None:
    """Drop partitions older than the retention window behind the one just loaded, so that a
    daily run does not grow the warehouse without bound."""
    cutoff = date.fromisoformat(partition) - timedelta(days=retention_days)
    con.execute(f"delete from raw.{table_name} where _partition < ?", [cutoff])
    for log in ("rejects", "load_log"):
        con.execute(f"delete from raw.{log} where table_name = ? and partition_date < ?", [table_name, cutoff])


def _stage_and_insert(con, table: Table, file, partition: str, report: LoadReport) -> None:
    csv_rejected_lines = _stage(con, file)
    _check(con, table, file, partition, report)
    source = literal(str(file.path))
    part = literal(partition)
    extras = _extra_columns(table, file)
    extra_json = ("json_object(" + ", ".join(f"{literal(c)}, s_{i}" for i, c in enumerate(extras)) + ")"
                  if extras else "NULL::JSON")
    columns = ", ".join(quote(c) for c in table.column_names)
    con.execute(f"""
        insert into raw.{table.name}
        select {columns}, {part}::DATE, {source}, _line, now()::TIMESTAMP, {extra_json}
        from checked where len(_reasons) = 0 order by _line""")
    con.execute(f"""
        insert into raw.rejects
        select {literal(table.name)}, {part}::DATE, {source}, _line, _raw, array_to_string(_reasons, '; '),
               now()::TIMESTAMP
        from checked where len(_reasons) > 0""")
    if csv_rejected_lines:
        con.execute(f"""
            insert into raw.rejects
            select {literal(table.name)}, {part}::DATE, {source}, line,
                   json_object('_unparsed_line', any_value(csv_line)),
                   'malformed CSV row: ' || arg_min(error_message, column_idx), now()::TIMESTAMP
            from csv_rejects group by line""")
    counts = con.execute("select count(*) filter (where len(_reasons) = 0), count(*) filter "
                         "(where len(_reasons) > 0) from checked").fetchone()
    report.rows_loaded = counts[0]
    report.rows_rejected = counts[1] + csv_rejected_lines
    report.rows_read = con.execute("select count(*) from stage").fetchone()[0] + csv_rejected_lines
    report.reasons = _reason_counts(con, csv_rejected_lines)
    if report.rows_read != report.rows_loaded + report.rows_rejected:
        raise RuntimeError(f"{file.path}: {report.rows_read} rows read but {report.rows_loaded} loaded "
                           f"+ {report.rows_rejected} rejected; refusing to lose rows")


def _stage(con, file) -> int:
    """Read the file as text into ``stage`` with each row's line number; return how many CSV
    records could not be parsed (they are kept in ``csv_rejects``)."""
    path = literal(str(file.path))
    if file.format == "parquet":
        select = ", ".join(_parquet_as_text(con, file.path, c) for c in file.columns)
        con.execute(f"create temp table stage as select {select} from read_parquet({path})")
        _number_rows(con, first_line=1)
        return 0
    con.execute(f"""
        create temp table stage as select * from read_csv({path}, header = true, all_varchar = true,
            delim = ',', quote = '"', escape = '"', strict_mode = true, ignore_errors = true,
            store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans',
            encoding = 'utf-8')""")
    rejected = con.execute("select count(distinct line) from csv_rejects").fetchone()[0]
    _number_rows(con, first_line=2)  # the header is line 1
    if rejected:
        # Lines count records (header = 1). Skipped malformed records shift the rows after
        # them: the n-th parsed row comes after every rejected line L_j with L_j - 1 - j < n.
        con.execute("""
            update stage set _line = stage._line + shift.skipped
            from (select s._line as line, r.skipped from stage s asof join (
                    select v, max(j) as skipped from (
                        select line - 1 - row_number() over (order by line) as v,
                               row_number() over (order by line) as j
                        from (select distinct line from csv_rejects)) group by v) r
                    on s._line - 1 > r.v) shift
            where stage._line = shift.line""")
    return rejected


def _number_rows(con, first_line: int) -> None:
    """Number rows in file order (a table's rowids follow insertion order, from an offset)."""
    con.execute("alter table stage add column _line BIGINT")
    con.execute(f"update stage set _line = rowid - (select min(rowid) from stage) + {first_line}")


def _parquet_as_text(con, path: Path, column: str) -> str:
    """Parquet columns are read as text so that one set of rules validates both formats; a
    timestamp without zone in Parquet is taken as UTC (Parquet, unlike CSV, types it)."""
    kind = con.execute(f"select typeof({quote(column)}) from read_parquet({literal(str(path))}) limit 1").fetchone()
    sql_type = kind[0] if kind else "VARCHAR"
    col = quote(column)
    if sql_type.startswith("TIMESTAMP WITH TIME ZONE"):
        return f"strftime(timezone('UTC', {col}), '%Y-%m-%dT%H:%M:%S.%fZ') as {col}"
    if sql_type.startswith("TIMESTAMP"):
        return f"strftime({col}, '%Y-%m-%dT%H:%M:%S.%fZ') as {col}"
    if sql_type == "BOOLEAN":
        return f"lower(cast({col} as VARCHAR)) as {col}"
    return f"cast({col} as VARCHAR) as {col}"


def _check(con, table: Table, file, partition: str, report: LoadReport) -> None:
    """Type every column and collect, for every row, the list of reasons it breaks the contract."""
    present = set(file.columns)
    typed = ", ".join(f"{rules.typed_expression(c, c.name in present)} as {quote(c.name)}"
                      for c in table.columns)
    con.execute(f"create temp table typed as select s._line, {typed} from stage s")
    reason_exprs = [r for c in table.columns for r in rules.value_reasons(c, c.name in present)]
    joins = _relation_checks(con, table, partition, report, reason_exprs)
    raw_json = "json_object(" + ", ".join(f"{literal(c)}, s.{quote(c)}" for c in file.columns) + ")"
    extra_cols = "".join(f", s.{quote(c)} as s_{i}" for i, c in enumerate(_extra_columns(table, file)))
    con.execute(f"""
        create temp table checked as
        select t.*, {raw_json} as _raw {extra_cols},
               list_filter([{', '.join(reason_exprs)}], lambda x: x is not null) as _reasons
        from typed t join stage s on s._line = t._line {' '.join(joins)}""")
    con.execute("drop table typed")


def _extra_columns(table: Table, file) -> list[str]:
    """Columns beyond the contract: kept in the raw layer (as JSON), ignored downstream."""
    return [c for c in file.columns if c not in table.column_names]


def _relation_checks(con, table: Table, partition: str, report: LoadReport, reasons: list[str]) -> list[str]:
    """Duplicate keys, orphan foreign keys and rules involving the parent row: returns the joins
    and appends their reason expressions to ``reasons``."""
    joins = []
    dup = rules.key_duplicates(table)
    if dup:
        joins.append(f"left join ({dup}) dup on dup._line = t._line")
        reasons.append("dup.reason")
    part = literal(partition)
    for column in table.columns:
        if not column.references:
            continue
        parent = TABLES[column.references]
        if not _parent_loaded(con, parent, partition):
            report.skipped_checks.append(f"{column.name}: {parent.name} not in this extraction")
            continue
        alias = f"fk_{column.name}"
        key = quote(rules.parent_key(parent))
        joins.append(f"left join (select distinct {key} as k from raw.{parent.name} "
                     f"where _partition = {part}) {alias} on {alias}.k = t.{quote(column.name)}")
        reasons.append(f"case when t.{quote(column.name)} is not null and {alias}.k is null then "
                       f"{literal(f'orphan {column.name}: not in {parent.name} of this extraction')} end")
    for i, rule in enumerate(table.rules):
        if rule.parent and not _parent_loaded(con, TABLES[rule.parent], partition):
            report.skipped_checks.append(f"{rule.reason}: {rule.parent} not in this extraction")
            continue
        parent_join = ""
        if rule.parent:
            pkey = quote(rules.parent_key(TABLES[rule.parent]))
            parent_join = (f"join (select * from raw.{rule.parent} where _partition = {part}) p "
                           f"on p.{pkey} = t.{quote(rule.fk)}")
        joins.append(f"left join (select t._line, ({rule.violated}) as bad from typed t {parent_join}) "
                     f"rule_{i} on rule_{i}._line = t._line")
        reasons.append(f"case when rule_{i}.bad then {literal(rule.reason)} end")
    return joins


def _parent_loaded(con, parent: Table, partition: str) -> bool:
    """Whether the parent's file was part of this extraction (an empty snapshot still counts)."""
    return con.execute("select count(*) from raw.load_log where table_name = ? and partition_date = ? "
                       "and source_file is not null", [parent.name, partition]).fetchone()[0] > 0


def _reason_counts(con, csv_rejected: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reasons, n in con.execute("select _reasons, count(*) from checked where len(_reasons) > 0 "
                                  "group by all").fetchall():
        for reason in reasons:
            key = reason.split(" (first at line")[0]
            counts[key] = counts.get(key, 0) + n
    if csv_rejected:
        counts["malformed CSV row"] = csv_rejected
    return counts
