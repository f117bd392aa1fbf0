"""Parse one drop file whole into a temporary table of text, before anything of the day commits.

The staged table names the file's columns by position (``c0``, ``c1``…) next to the loader's
``_line``: a file column may be called anything, ``_line`` included, without colliding. A CSV
record DuckDB cannot parse is kept aside with its reason (a row-level problem); a file that ends
inside an open quote is a file-level problem, since the rows swallowed by the quote are lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from erp.ingest.errors import DropFileError, redact
from erp.ingest.files import TableFile
from erp.ingest.rules import literal, quote

_CHUNK = 1 << 22


@dataclass(frozen=True)
class Staged:
    """A file parsed into ``stage_<table>`` (and its unparsable records into ``rejects_<table>``)."""

    file: TableFile
    rejected: int

    @property
    def name(self) -> str:
        return f"stage_{self.file.table.name}"

    @property
    def rejects(self) -> str:
        return f"rejects_{self.file.table.name}"

    def refs(self) -> dict[str, str]:
        """SQL reference (through the alias ``s``) to each file column's raw text, by the column's
        name in the file."""
        return {c: f"s.c{i}" for i, c in enumerate(self.file.columns)}

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        for temp in (self.name, self.rejects, f"scans_{self.file.table.name}"):
            con.execute(f"drop table if exists {temp}")


def stage_file(con: duckdb.DuckDBPyConnection, file: TableFile) -> Staged:
    """Parse ``file`` whole; raise :class:`DropFileError` (with no value of the file in it) when
    it cannot be loaded as a whole."""
    staged = Staged(file, 0)
    staged.drop(con)
    try:
        if file.format == "parquet":
            _stage_parquet(con, staged)
            return staged
        staged = Staged(file, _stage_csv(con, staged))
    except duckdb.Error as err:
        staged.drop(con)
        raise DropFileError(file.path, f"unreadable {file.format.upper()} file ({redact(str(err))})") from None
    cut = con.execute(
        f"select line, line_byte_position, byte_position from {staged.rejects} "
        "where error_type = 'UNQUOTED VALUE' order by line desc limit 1"
    ).fetchone()
    if cut and _quote_left_open(file.path, cut[1], cut[2]):
        staged.drop(con)
        raise DropFileError(
            file.path,
            f"the file ends inside a quoted field opened on line {cut[0]}: it was "
            "cut short (an interrupted export or copy?); re-export it whole",
        )
    return staged


def _stage_csv(con, staged: Staged) -> int:
    """Read the CSV as text with the header checked by the pre-flight (no sniffing: DuckDB's
    sniffer fails whole files on one bad record); return how many records could not be parsed."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(staged.file.columns))) + "}"
    con.execute(f"""
        create temp table {staged.name} as select * from read_csv({literal(str(staged.file.path))},
            header = true, auto_detect = false, columns = {columns}, delim = ',', quote = '"', escape = '"',
            strict_mode = true, ignore_errors = true, store_rejects = true, rejects_table = '{staged.rejects}',
            rejects_scan = 'scans_{staged.file.table.name}', encoding = 'utf-8')""")
    rejected = con.execute(f"select count(distinct line) from {staged.rejects}").fetchone()[0]
    _number_rows(con, staged.name, first_line=2)  # the header is line 1
    if rejected:
        # Lines count records (header = 1). Skipped malformed records shift the rows after
        # them: the n-th parsed row comes after every rejected line L_j with L_j - 1 - j < n.
        con.execute(f"""
            update {staged.name} set _line = {staged.name}._line + shift.skipped
            from (select s._line as line, r.skipped from {staged.name} s asof join (
                    select v, max(j) as skipped from (
                        select line - 1 - row_number() over (order by line) as v,
                               row_number() over (order by line) as j
                        from (select distinct line from {staged.rejects})) group by v) r
                    on s._line - 1 > r.v) shift
            where {staged.name}._line = shift.line""")
    return rejected


def _quote_left_open(path: Path, record_at: int, field_at: int) -> bool:
    """Whether the file, from the opening quote of the field DuckDB found unterminated, holds an
    odd number of quote characters: the quote is then never closed (escaped quotes come in
    pairs). DuckDB's byte positions may be one off, so the quote is searched near them."""
    with path.open("rb") as handle:
        start = max(0, record_at - 2)
        handle.seek(start)
        opening = handle.read(field_at + 1 - start).rfind(b'"')
        if opening < 0:
            return False
        handle.seek(start + opening)
        quotes = 0
        while chunk := handle.read(_CHUNK):
            quotes += chunk.count(b'"')
    return quotes % 2 == 1


def _stage_parquet(con, staged: Staged) -> None:
    path = literal(str(staged.file.path))
    types = dict(
        con.execute(f"select column_name, column_type from (describe select * from read_parquet({path}))").fetchall()
    )
    kinds = {c.name: c.kind for c in staged.file.table.columns}
    select = ", ".join(
        f"{_parquet_as_text(quote(c), types[c], kinds.get(c))} as c{i}" for i, c in enumerate(staged.file.columns)
    )
    con.execute(f"create temp table {staged.name} as select {select} from read_parquet({path})")
    _number_rows(con, staged.name, first_line=1)


def _parquet_as_text(col: str, sql_type: str, kind: str | None) -> str:
    """A typed Parquet column as the text a CSV would hold, so that one set of rules validates
    both formats. Per the contract's type: a timestamp holding a date gives its (UTC) day, a
    decimal or float amount with no more than cents gives them (more stays visible, and is
    rejected), a whole float gives an integer. A timestamp without zone is taken as UTC."""
    zoned = sql_type.startswith("TIMESTAMP WITH TIME ZONE")
    utc = f"timezone('UTC', {col})" if zoned else col
    numeric = sql_type.startswith(("DECIMAL", "DOUBLE", "FLOAT"))
    if sql_type.startswith("TIMESTAMP") and kind == "date":
        return f"strftime({utc}, '%Y-%m-%d')"
    if sql_type.startswith("TIMESTAMP") or (sql_type == "DATE" and kind == "timestamp"):
        return f"strftime({utc}, '%Y-%m-%dT%H:%M:%S.%fZ')"
    if sql_type == "BLOB":  # strings written without their UTF-8 annotation
        return f"decode({col})"
    if numeric and kind == "money":
        return (
            f"case when {col} = round({col}, 2) then cast(round({col}, 2) as DECIMAL(38, 2))::VARCHAR "
            f"else cast({col} as VARCHAR) end"
        )
    if numeric and kind == "rate":
        return (
            f"case when {col} = round({col}, 8) then cast(round({col}, 8) as DECIMAL(38, 8))::VARCHAR "
            f"else cast({col} as VARCHAR) end"
        )
    if numeric and kind == "int":
        return (
            f"case when {col} = trunc({col}) then cast(trunc({col}) as HUGEINT)::VARCHAR "
            f"else cast({col} as VARCHAR) end"
        )
    if sql_type == "BOOLEAN":
        return f"lower(cast({col} as VARCHAR))"
    return f"cast({col} as VARCHAR)"


def _number_rows(con, name: str, first_line: int) -> None:
    """Number rows in file order (a table's rowids follow insertion order, from an offset)."""
    con.execute(f"alter table {name} add column _line BIGINT")
    con.execute(f"update {name} set _line = rowid - (select min(rowid) from {name}) + {first_line}")
