"""Adapters turn a real ERP export into a drop in the contract's layout.

Adding one for another ERP is a module in this package with a function
``convert(path: Path) -> Drop`` (the contract tables as DataFrames and the extraction date),
registered in ``ADAPTERS`` below; :func:`write_drop` does the rest. ``ibm_ar`` is the worked
example: the mapping of each source column to a contract column is the whole adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from erp.adapters import ibm_ar
from erp.adapters.base import Drop, write_drop

ADAPTERS: dict[str, Callable[[Path], Drop]] = {
    "ibm_ar": ibm_ar.convert,
}


def convert(name: str, export: Path, drop_root: Path) -> Path:
    """Run adapter ``name`` on ``export`` and write its drop under ``drop_root``."""
    if name not in ADAPTERS:
        raise ValueError(f"unknown ERP adapter {name!r}; available: {', '.join(sorted(ADAPTERS))}")
    if not Path(export).exists():
        raise FileNotFoundError(f"{export}: the export for adapter {name!r} does not exist")
    return write_drop(ADAPTERS[name](Path(export)), drop_root)


__all__ = ["ADAPTERS", "Drop", "convert", "write_drop"]
