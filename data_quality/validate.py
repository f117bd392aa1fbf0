"""Validate one partition of a raw table against its plausibility suite, frame by frame."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache

import duckdb
import pandas as pd

from data_quality import frames
from data_quality.suites import ERROR, suite_for, thresholds
from erp.contract import TABLES

FRAMES = ("rows", "amounts", "load")


@dataclass
class TableValidation:
    table: str
    rows: int = 0
    evaluated: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # expectation label -> unexpected count
    failed_severity: dict[str, str] = field(default_factory=dict)
    load: dict = field(default_factory=dict)  # the load metrics the table-level checks judged

    @property
    def errors(self) -> dict[str, int]:
        """Failures that block downstream assets."""
        return {k: v for k, v in self.failed.items() if self.failed_severity[k] == ERROR}

    @property
    def warnings(self) -> dict[str, int]:
        return {k: v for k, v in self.failed.items() if self.failed_severity[k] != ERROR}


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
    batch, source, asset_name = _batch(df)
    try:
        for exp in expectations:
            outcome = batch.validate(exp.build())
            error = _raised(outcome.exception_info or {})
            if error:
                # An expectation that cannot run is a broken check, not a data failure: say so.
                raise RuntimeError(f"{result.table}: expectation {exp.label} could not be evaluated: {error}")
            if not outcome.success:
                unexpected = int(outcome.result.get("unexpected_count") or 1)
                result.failed[exp.label] = result.failed.get(exp.label, 0) + unexpected
                result.failed_severity[exp.label] = exp.severity
    finally:
        source.delete_asset(asset_name)


def _raised(info: dict) -> str | None:
    """GX reports evaluation errors either at the top level or per metric; find the first."""
    if info.get("raised_exception"):
        return info.get("exception_message") or "unknown error"
    nested = (v for v in info.values() if isinstance(v, dict))
    return next((v.get("exception_message") for v in nested if v.get("raised_exception")), None)


def validate_table(
    con: duckdb.DuckDBPyConnection, table: str, partition: str, config: dict | None = None
) -> TableValidation:
    """Validate the ``partition`` of ``raw.<table>`` as ingestion loaded it (see ``raw.load_log``)."""
    spec, config = TABLES[table], config or thresholds()
    suite = suite_for(spec, partition, config)
    load = frames.load_metrics(con, table, partition).iloc[0]
    result = TableValidation(
        table,
        rows=int(load["rows_loaded"]),
        evaluated=len(suite),
        load={k: (None if pd.isna(v) else v) for k, v in load.to_dict().items()},
    )
    for frame in FRAMES:
        expectations = [e for e in suite if e.frame == frame]
        if expectations:
            for chunk in frames.chunks(con, frame, spec, partition, config):
                _run(chunk, expectations, result)
    return result
