"""Row count and a small preview of one warehouse relation, for the Dagster materialisation of
each dbt model (dagster-dbt's ``fetch_row_counts()`` needs the in-process dbt adapter this project
skips, see project.py). Dagster-free.

The preview never carries personal data into Dagster's event log: of the text columns only
identifiers (``*_id``) are shown; names, e-mail addresses, message text and any other free text
stay in the warehouse. Numbers, dates and flags are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

PREVIEW_ROWS = 5
SLICE_COLUMN = "as_of_date"  # marts keeping one slice per day: count and show the partition's
# types that can hold text (nested ones included): shown only for identifier columns
TEXT_TYPES = ("VARCHAR", "JSON", "BLOB", "UUID", "STRUCT", "MAP", "UNION")


@dataclass(frozen=True)
class Summary:
    rows: int
    scope: str  # what was counted: the partition's slice, or the whole relation
    preview: str  # a markdown table
    hidden_columns: list[str]


def summarise(con: duckdb.DuckDBPyConnection, schema: str, name: str, as_of_date: str) -> Summary | None:
    """The relation's rows (of ``as_of_date`` when it keeps a slice per day) and its first few
    rows as markdown; None when the relation does not exist (a model the run skipped)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    if not columns:
        return None
    shown = [c for c, kind in columns if shows(c, kind)]
    hidden = [c for c, _ in columns if c not in shown]
    relation = f'"{schema}"."{name}"'
    sliced = SLICE_COLUMN in {c for c, _ in columns}
    where, params = (f" where {SLICE_COLUMN} = ?", [as_of_date]) if sliced else ("", [])
    rows = con.execute(f"select count(*) from {relation}{where}", params).fetchone()[0]
    select = ", ".join(f'"{c}"' for c in shown) or "1 as no_column_shown"
    sample = con.execute(f"select {select} from {relation}{where} limit {PREVIEW_ROWS}", params)
    header = [d[0] for d in sample.description]
    scope = f"{SLICE_COLUMN} = {as_of_date}" if sliced else "whole relation"
    return Summary(rows, scope, markdown(header, sample.fetchall()), hidden)


def shows(column: str, data_type: str) -> bool:
    """Whether a column may appear in the preview: anything but text, and text identifiers."""
    is_text = data_type.upper().startswith(TEXT_TYPES) or data_type.upper().endswith("[]")
    return not is_text or column.endswith("_id")


def markdown(header: list[str], rows: list[tuple]) -> str:
    def cell(value) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
