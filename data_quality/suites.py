"""The plausibility suite of each raw table, generated from the contract and ``checks.yml``.

Ingestion quarantines every row that breaks the contract (``erp/ingest/rules.py``), so restating
the contract here could never fail on a real drop. What ingestion cannot judge row by row is
whether the drop as a whole is believable: dates in a plausible range, amounts far from a
customer's usual, the share of rows it had to reject, a table that shrank overnight. Each
expectation is validated on a frame (``data_quality/frames.py``) and carries the severity its
section of ``checks.yml`` sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import yaml

from erp.contract import Column, Table

CONFIG = Path(__file__).with_name("checks.yml")
ERROR, WARN = "error", "warn"
DATE_KINDS = ("date", "timestamp")


@dataclass(frozen=True)
class Expectation:
    check: str  # the section of checks.yml it comes from
    severity: str  # ERROR blocks downstream assets, WARN does not
    frame: str  # which frame it validates: "rows", "amounts" or "load" (see frames.py)
    column: str
    build: Callable  # () -> gxe.Expectation, built lazily so that importing this stays cheap

    @property
    def label(self) -> str:
        return f"{self.check}({self.column})"


@cache
def thresholds(path: Path = CONFIG) -> dict:
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, section in config.items():
        if section.get("severity") not in (ERROR, WARN):
            raise ValueError(f"{path}: {name}.severity must be {ERROR!r} or {WARN!r}")
    return config


def amount_columns(table: Table) -> tuple[Column, Column] | None:
    """The (customer column, amount column) pair of a table whose rows belong to a customer and
    carry a positive amount, or None: only such rows have a customer's "usual" to compare to."""
    customer = next((c for c in table.columns if c.references == "customers"), None)
    amount = next((c for c in table.columns if c.kind == "money" and c.positive), None)
    return (customer, amount) if customer and amount and table.key else None


def suite_for(table: Table, extraction_date: str, config: dict | None = None) -> list[Expectation]:
    import great_expectations.expectations as gxe

    config = config or thresholds()
    out: list[Expectation] = []

    def add(check, frame, column, factory, **kwargs):
        severity = config[check]["severity"]
        out.append(Expectation(check, severity, frame, column, lambda: factory(column=column, **kwargs)))

    extracted = date.fromisoformat(extraction_date)
    for c in (c for c in table.columns if c.kind in DATE_KINDS):
        latest = extracted + timedelta(days=c.horizon_days + 1)
        add(
            "dates",
            "rows",
            c.name,
            gxe.ExpectColumnValuesToBeBetween,
            min_value=datetime.fromisoformat(c.earliest or config["dates"]["earliest"]),
            max_value=datetime.combine(latest, datetime.min.time()),
            strict_max=True,
        )
    if amount_columns(table):
        ratio = config["amounts"]["max_ratio"]
        add(
            "amounts",
            "amounts",
            "ratio_to_usual",
            gxe.ExpectColumnValuesToBeBetween,
            min_value=1 / ratio,
            max_value=ratio,
        )
    add(
        "rejected_share",
        "load",
        "rejected_share",
        gxe.ExpectColumnValuesToBeBetween,
        max_value=config["rejected_share"]["max_share"],
    )
    add("shrink", "load", "shrunk_share", gxe.ExpectColumnValuesToBeBetween, max_value=config["shrink"]["max_share"])
    if table.required:
        add("non_empty", "load", "rows_loaded", gxe.ExpectColumnValuesToBeBetween, min_value=1)
    return out
