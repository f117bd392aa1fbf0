"""A tiny warehouse for the portal tests: the two marts it reads, with only the columns it reads
(names and types from dbt_project/models/marts/_marts.yml), two customers and four invoices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

AS_OF = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC).timestamp()
SECRET = "test-portal-secret-of-at-least-32-bytes!"
ALICE, BOB = "C-1001", "C-2002"  # Alice's company writes in French, Bob's in English
ALICE_EMAIL = "compta@alice.example"

DDL = """
create schema marts;
create table marts.dim_customer_360 (
    customer_id VARCHAR, customer_name VARCHAR, language_code VARCHAR, country_code VARCHAR, as_of_date DATE);
create table marts.fct_invoices (
    invoice_id VARCHAR, customer_id VARCHAR, currency_code VARCHAR, issue_date DATE, due_date DATE, po_number VARCHAR,
    invoice_amount NUMERIC(18,2), paid_amount NUMERIC(18,2), open_amount NUMERIC(18,2), days_past_due BIGINT,
    is_in_dispute BOOLEAN, has_active_promise BOOLEAN, active_promise_date DATE, as_of_date DATE);
"""
CUSTOMERS = [(ALICE, "Éclairage Alice SARL", "fr", "FR", AS_OF), (BOB, "Bob Widgets Ltd", "en", "GB", AS_OF)]
INVOICES = [
    # id, customer, currency, issued, due, po, amount, paid, open, dpd, dispute, promise, promise date
    ("F-2026-0042", ALICE, "EUR", "2026-09-01", "2026-10-01", "PO-7", 1500, 250, 1250, 60, False, False, None),
    ("F-2026/0107", ALICE, "EUR", "2026-11-10", "2026-12-10", None, 980.5, 0, 980.5, 0, False, False, None),
    ("F-2026-0001", ALICE, "EUR", "2026-06-01", "2026-07-01", None, 400, 400, 0, 0, False, False, None),
    ("UK-77", BOB, "GBP", "2026-10-15", "2026-11-14", None, 4800, 0, 4800, 16, False, False, None),
]


def build_warehouse(path: Path) -> Path:
    """Write the tiny warehouse at ``path`` and close it (the portal opens it read-only)."""
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
        con.executemany("insert into marts.dim_customer_360 values (?, ?, ?, ?, ?)", CUSTOMERS)
        con.executemany(f"insert into marts.fct_invoices values ({', '.join(['?'] * 13)}, '{AS_OF}')", INVOICES)
    return path
