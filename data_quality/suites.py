"""Expectations for each raw table, derived from the contract declarations.

``critical`` expectations restate the contract (ingestion already quarantined violating rows, so
a failure means ingestion let something through: block downstream). ``warning`` ones are
plausibility checks on data that is valid but suspicious (it still flows, and the UI says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from erp import codes
from erp.contract import Table
from erp.ingest.rules import EMAIL_PATTERN

CRITICAL, WARNING = "critical", "warning"
WHOLE_COLUMN = "whole_column"  # needs every row at once (uniqueness), validated on the key alone
MAX_PLAUSIBLE_AMOUNT = 10_000_000
MAX_PLAUSIBLE_TERMS_GAP_DAYS = 370

PAIR_RULES = {  # table: (later column, earlier column) pairs the contract orders
    "invoices": [("due_date", "issue_date")],
    "disputes": [("resolved_at", "opened_at")],
    "promises_to_pay": [("promised_date", "created_at")],
}


@dataclass(frozen=True)
class Expectation:
    severity: str
    scope: str  # "rows" (chunkable) or WHOLE_COLUMN
    build: object  # () -> gxe.Expectation, built lazily so that importing this stays cheap
    column: str | None = None


def suite_for(table: Table, extraction_date: str) -> list[Expectation]:
    import great_expectations.expectations as gxe

    out: list[Expectation] = []

    def add(severity, factory, subject=None, scope="rows", **kwargs):
        out.append(Expectation(severity, scope, lambda: factory(severity=severity, **kwargs), subject))

    for c in table.columns:
        if c.required:
            add(CRITICAL, gxe.ExpectColumnValuesToNotBeNull, c.name, column=c.name)
        if c.unique:
            add(CRITICAL, gxe.ExpectColumnValuesToBeUnique, c.name, WHOLE_COLUMN, column=c.name)
        value_set = {"enum": lambda: c.values, "country": codes.countries, "currency": codes.currencies,
                     "lang": codes.languages, "tz": codes.time_zones}.get(c.kind)
        if value_set:
            add(CRITICAL, gxe.ExpectColumnValuesToBeInSet, c.name, column=c.name, value_set=sorted(value_set()))
        if c.kind == "email":
            add(CRITICAL, gxe.ExpectColumnValuesToMatchRegex, c.name, column=c.name, regex=f"^{EMAIL_PATTERN}$")
        if c.positive or c.min_value is not None or c.max_value is not None:
            low = 0.01 if c.positive else c.min_value
            add(CRITICAL, gxe.ExpectColumnValuesToBeBetween, c.name, column=c.name, min_value=low,
                max_value=c.max_value)
        if c.kind == "money":
            add(WARNING, gxe.ExpectColumnValuesToBeBetween, c.name, column=c.name,
                max_value=MAX_PLAUSIBLE_AMOUNT, mostly=0.999)
        if c.kind == "date" and c.name == table.event_time:
            add(WARNING, gxe.ExpectColumnValuesToBeBetween, c.name, column=c.name,
                max_value=datetime.fromisoformat(extraction_date))
    for later, earlier in PAIR_RULES.get(table.name, []):
        add(CRITICAL, gxe.ExpectColumnPairValuesAToBeGreaterThanB, later, column_A=later, column_B=earlier,
            or_equal=True, ignore_row_if="either_value_is_missing")
    if table.name == "invoices":
        add(WARNING, gxe.ExpectColumnValuesToBeBetween, "amount", column="amount", min_value=1, mostly=0.99)
    if table.required:
        add(CRITICAL, gxe.ExpectTableRowCountToBeBetween, None, WHOLE_COLUMN, min_value=1)
    return out
