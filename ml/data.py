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
    # every e-mail to a contact with its local send and open times and whether the customer acted
    # (paid the invoice, or wrote to us) within 24 hours: what the send-time model learns from
    "sends": """select c.message_id, c.contact_id, c.customer_id, c.timezone, c.sent_at, c.sent_at_local,
                       c.was_opened::double as was_opened, c.first_opened_local,
                       (c.was_replied_24h or coalesce(i.settled_on between cast(c.sent_at as date)
                                                      and cast(c.sent_at as date) + 1, false))::double as acted
                from marts.fct_contacts as c left join marts.fct_invoices as i using (invoice_id)
                where c.channel = 'email' and c.contact_id is not null and not c.was_bounced""",
    "mail_contacts": """select contact_id, customer_id, timezone from marts.dim_contacts where is_emailable""",
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
