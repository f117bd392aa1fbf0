"""Load a whole drop (one extraction day) all or nothing.

Every file is parsed whole into temp tables first, and every file-level problem of the drop is
collected into one :class:`DropErrors`; only then do the day's tables replace their partition,
together in one transaction. A broken file, or a failure half-way through the commit, leaves
every table as it was: readers never see customers of today with invoices of yesterday. With a
``lake`` folder, the committed day is also written as the open raw layer (:mod:`erp.ingest.lake`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from erp.contract import TABLES, load_order
from erp.ingest.errors import DropErrors, DropFileError
from erp.ingest.files import inspect_drop
from erp.ingest.lake import write_raw_day
from erp.ingest.load import LoadReport, commit_table, ensure_raw_schema, transaction
from erp.ingest.stage import Staged, stage_file


def load_day(
    con: duckdb.DuckDBPyConnection,
    drop_dir: Path,
    partition: str,
    retention_days: int | None = None,
    lake: Path | None = None,
) -> dict[str, LoadReport]:
    """Replace ``partition`` of every raw table with the drop's files (an absent optional file is
    an empty snapshot) and return each table's report, in load order. ``lake``: also write the
    accepted rows there as Hive-partitioned Parquet, after the commit (re-running the day rewrites
    the same files)."""
    files, problems = inspect_drop(drop_dir)
    ensure_raw_schema(con)  # empty tables, even for a failed first day: readers find the schema
    staged: dict[str, Staged] = {}
    try:
        for name, file in files.items():
            try:
                staged[name] = stage_file(con, file)
            except DropFileError as err:
                problems.append(err)
        if problems:
            raise DropErrors(drop_dir, problems)
        with transaction(con):
            reports = {
                name: commit_table(con, TABLES[name], staged.get(name), partition, retention_days)
                for name in load_order()
            }
    finally:
        for stage in staged.values():
            stage.drop(con)
    if lake is not None:
        write_raw_day(con, lake, list(reports), partition, retention_days)
    return reports
