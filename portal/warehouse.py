"""What the portal reads: one customer's profile and invoices from the marts, nothing else.

The warehouse is opened read-only for each request and closed at once, so the portal never
holds DuckDB's writer lock the pipeline needs; while a run is writing, a read-only open can fail,
which is why the app may be given a published copy instead (and answers 503 "try again" in the
meantime). Every query takes the customer id from the verified link as a bound parameter —
never a value from the request — so no request can read another customer's rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

CUSTOMER_SQL = """select customer_id, customer_name, language_code, country_code, as_of_date
                  from marts.dim_customer_360 where customer_id = ?"""
INVOICES_SQL = """select invoice_id, currency_code, issue_date, due_date, po_number, invoice_amount::DOUBLE
                         as invoice_amount, paid_amount::DOUBLE as paid_amount, open_amount::DOUBLE as open_amount,
                         days_past_due, is_in_dispute, has_active_promise, active_promise_date
                  from marts.fct_invoices where customer_id = ? and open_amount > 0
                  order by due_date, invoice_id"""


class Unavailable(Exception):
    """The warehouse cannot be read right now (a run holds it, or it is not there yet)."""


def _query(path: Path, sql: str, customer_id: str) -> pd.DataFrame:
    """Run one customer-scoped query on a read-only connection opened and closed here."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(sql, [customer_id]).df()
    except (duckdb.IOException, duckdb.ConnectionException, duckdb.CatalogException) as err:
        raise Unavailable(type(err).__name__) from err


def customer(path: Path, customer_id: str) -> dict | None:
    """The customer's profile row, or None if the warehouse does not know them."""
    frame = _query(path, CUSTOMER_SQL, customer_id)
    return None if frame.empty else frame.iloc[0].to_dict()


def open_invoices(path: Path, customer_id: str) -> pd.DataFrame:
    """The customer's open invoices, oldest due first."""
    return _query(path, INVOICES_SQL, customer_id)


def invoice(path: Path, customer_id: str, invoice_id: str) -> dict | None:
    """One open invoice of this customer, or None: an id that belongs to someone else looks
    exactly like one that does not exist."""
    frame = open_invoices(path, customer_id)
    match = frame[frame.invoice_id == invoice_id]
    return None if match.empty else match.iloc[0].to_dict()
