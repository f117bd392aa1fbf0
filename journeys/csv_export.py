"""CSV files for people (call tasks, worklists) that a spreadsheet opens safely.

ERP fields are free text: a customer name or PO number such as ``=HYPERLINK(...)`` or
``+1-555`` would run as a formula when a collector opens the file. Every text cell that a
spreadsheet would read as a formula is prefixed with an apostrophe (OWASP's advice for CSV
injection); numbers stay numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value):
    """The cell as a spreadsheet shows it, never as a formula it runs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` with every text cell neutralised (lists of ids as ``;``-separated text)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(
                lambda v: neutralise("; ".join(map(str, v)) if pd.api.types.is_list_like(v) else v)
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    safe.to_csv(path, index=False)
    return path
