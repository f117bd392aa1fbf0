"""Validate one partition of a warehouse table against its suite, chunk by chunk."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache

import duckdb
import pandas as pd

from data_quality.suites import CRITICAL, WHOLE_COLUMN, suite_for
from erp.contract import TABLES

CHUNK_ROWS = 250_000


@dataclass
class TableValidation:
    table: str
    rows: int = 0
    evaluated: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # expectation label -> unexpected count
    failed_severity: dict[str, str] = field(default_factory=dict)

    @property
    def critical_failures(self) -> dict[str, int]:
        return {k: v for k, v in self.failed.items() if self.failed_severity[k] == CRITICAL}

    @property
    def warning_failures(self) -> dict[str, int]:
        return {k: v for k, v in self.failed.items() if self.failed_severity[k] != CRITICAL}


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _batch(df: pd.DataFrame):
    context = _context()
    source = context.data_sources.add_or_update_pandas(name="relance")
    asset = source.add_dataframe_asset(name=f"frame_{id(df)}")
    definition = asset.add_batch_definition_whole_dataframe("all_rows")
    return definition.get_batch(batch_parameters={"dataframe": df}), source, asset.name


def _run(df: pd.DataFrame, expectations, result: TableValidation) -> None:
    if not expectations:
        return
    batch, source, asset_name = _batch(df)
    try:
        for exp in expectations:
            outcome = batch.validate(exp.build())
            label = f"{outcome.expectation_config.type}({exp.column or 'table'})"
            if exp.severity != CRITICAL:
                label += ":warning"  # the same expectation type may be both, with other bounds
            result.failed_severity[label] = exp.severity
            error = _raised(outcome.exception_info or {})
            if error:
                # An expectation that cannot run is a broken check, not a data failure: say so.
                raise RuntimeError(f"{result.table}: expectation {label} could not be evaluated: {error}")
            if not outcome.success:
                unexpected = int(outcome.result.get("unexpected_count") or 1)
                result.failed[label] = result.failed.get(label, 0) + unexpected
    finally:
        source.delete_asset(asset_name)


def _raised(info: dict) -> str | None:
    """GX reports evaluation errors either at the top level or per metric; find the first."""
    if info.get("raised_exception"):
        return info.get("exception_message") or "unknown error"
    nested = (v for v in info.values() if isinstance(v, dict))
    return next((v.get("exception_message") for v in nested if v.get("raised_exception")), None)


def validate_table(con: duckdb.DuckDBPyConnection, table: str, partition: str, schema: str = "raw") -> TableValidation:
    """Validate ``schema.table`` rows of ``partition`` (contract columns only)."""
    spec = TABLES[table]
    suite = suite_for(spec, partition)
    columns = ", ".join(f'"{c}"' for c in spec.column_names)
    where = f"from {schema}.{table} where _partition = ?"
    result = TableValidation(table)
    result.rows = con.execute(f"select count(*) {where}", [partition]).fetchone()[0]
    row_scope = [e for e in suite if e.scope != WHOLE_COLUMN]
    cursor = con.cursor()
    cursor.execute(f"select {columns} {where} order by _source_line", [partition])
    while not (chunk := cursor.fetch_df_chunk(CHUNK_ROWS // 2048)).empty:
        _run(chunk, row_scope, result)
    for exp in (e for e in suite if e.scope == WHOLE_COLUMN):
        frame = (con.execute(f'select "{exp.column}" {where}', [partition]).df() if exp.column
                 else pd.DataFrame({"n": range(result.rows)}))
        _run(frame, [exp], result)
    result.evaluated = len(suite)
    return result
