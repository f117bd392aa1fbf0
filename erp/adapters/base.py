"""What every adapter produces, and how it is written as a contract drop."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from erp.contract import TABLES


@dataclass(frozen=True)
class Drop:
    extraction_date: date
    tables: dict[str, pd.DataFrame]


def write_drop(drop: Drop, drop_root: Path) -> Path:
    """Write ``drop`` as ``<drop_root>/<date>/<table>.csv``; columns beyond the contract are kept
    (the raw layer stores them), contract columns come first in contract order."""
    folder = Path(drop_root) / drop.extraction_date.isoformat()
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, frame in drop.tables.items():
        contract = [c for c in TABLES[name].column_names if c in frame.columns]
        extra = [c for c in frame.columns if c not in contract]
        frame[contract + extra].to_csv(tmp / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder
