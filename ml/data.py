"""The warehouse tables the models read, as DataFrames (one query each)."""

from __future__ import annotations

import duckdb
import pandas as pd

from ml.history import settled_history

QUERIES = {
    "invoices": """select invoice_id, customer_id, currency_code, issue_date, due_date,
                          invoice_amount::double as amount, open_amount::double as open_amount, settled_on,
                          days_late_at_settlement::double as days_late, invoice_status,
                          invoice_status = 'credited' and dispute_count > 0 as credited_by_dispute
                   from marts.fct_invoices""",
    "payments": """select invoice_id, payment_date, payment_amount::double as amount
                   from marts.fct_payments where not is_unapplied""",
    "disputes": "select invoice_id, opened_on, resolved_on from marts.fct_disputes",
    "promises": "select invoice_id, promised_on, promised_for from marts.fct_promises_to_pay",
    "contacts": """select customer_id, invoice_id, sent_at, was_opened::double as was_opened
                   from marts.fct_contacts where channel = 'email'""",
    # each open at its own time (an open after the observation instant must not count before it)
    "opens": """select customer_id, first_opened_at as opened_at from marts.fct_contacts
                where channel = 'email' and first_opened_at is not null""",
    # every touch with what it offered: the legacy policy's randomised incentives and holdout
    # are what the uplift model learns from (ml.uplift)
    "touches": """select customer_id, invoice_id, sent_at, journey, journey_step, incentive,
                         paid_within_7d::double as paid_within_7d
                  from marts.fct_contacts""",
    "payment_methods": """select customer_id, payment_date, payment_method from marts.fct_payments
                          where not is_unapplied""",
}


def load(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    data = {}
    for name, sql in QUERIES.items():
        frame = con.execute(sql).df()
        for col in frame.columns:
            if col.endswith(("_date", "_on", "_for", "_at")):
                frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")  # one resolution for merge_asof
        data[name] = frame
    data["history"] = settled_history(data["invoices"])
    return data


def as_of_date(con: duckdb.DuckDBPyConnection) -> pd.Timestamp:
    return pd.Timestamp(con.execute("select max(as_of_date) from marts.fct_invoices").fetchone()[0])
