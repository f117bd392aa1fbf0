"""The collector worklist for people: mart_collector_worklist (dbt ranks the items) as one CSV per
suggested owner, and its top rows as a Markdown table for the daily run's metadata.

Each owner's file keeps the global rank, so "my list" and "the team's list" agree on what comes
first. The files of a day are replaced whole on a re-run: an owner with nothing left that day
has no stale file lying around.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from journeys.csv_export import neutralise, write_csv

COLUMNS = [
    "worklist_rank",
    "item_type",
    "customer_id",
    "suggested_owner",
    "currency_code",
    "amount_at_stake",
    "expected_cash",
    "effort_minutes",
    "cash_per_minute",
    "reason",
    "item_id",
]
TOP_COLUMNS = ["worklist_rank", "item_type", "customer_id", "suggested_owner", "cash_per_minute", "reason"]


def load(con: duckdb.DuckDBPyConnection, as_of: str) -> pd.DataFrame:
    """The day's ranked items, best first."""
    return con.execute(
        f"select {', '.join(COLUMNS)} from marts.mart_collector_worklist where as_of_date = ? order by worklist_rank",
        [as_of],
    ).df()


def file_name(owner: str) -> str:
    """A file name from an owner id that cannot leave the day's folder (no separators, no dots first)."""
    safe = re.sub(r"[^A-Za-z0-9_.@-]+", "_", str(owner)).lstrip(".") or "unassigned"
    return f"worklist_{safe}.csv"


def write_per_owner(items: pd.DataFrame, folder: Path) -> dict[str, Path]:
    """One formula-neutralised CSV per owner in ``folder`` (emptied first), in rank order."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("worklist_*.csv"):
        old.unlink()
    return {
        owner: write_csv(rows[COLUMNS], folder / file_name(owner))
        for owner, rows in items.groupby("suggested_owner", sort=True)
    }


def _cell(value) -> str:
    text = "" if pd.isna(value) else f"{value:,.2f}" if isinstance(value, float) else str(value)
    return str(neutralise(text)).replace("|", "\\|").replace("\n", " ")


def top_markdown(items: pd.DataFrame, rows: int = 15) -> str:
    """The first ``rows`` items as a Markdown table (Dagster's MetadataValue.md)."""
    if items.empty:
        return "No item needs a person today."
    head = items.head(rows)[TOP_COLUMNS]
    lines = ["| " + " | ".join(TOP_COLUMNS) + " |", "|" + "---|" * len(TOP_COLUMNS)]
    lines += ["| " + " | ".join(_cell(v) for v in record) + " |" for record in head.itertuples(index=False)]
    return "\n".join(lines)
