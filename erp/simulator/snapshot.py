"""A drop for date D: each contract table as the ERP would export it at the end of D.

Events after D are cut off, disputes resolved after D show as still open, opt-outs after D are
not yet known, and settled items older than the history window are left out, as an ERP export
of "everything still relevant" does.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb

TS = "%Y-%m-%dT%H:%M:%SZ"


def _queries(day: str, window_start: str) -> dict[str, str]:
    cutoff = f"(date '{day}' + interval 1 day)"
    invoices = (
        f"select * from invoices where issue_date <= date '{day}' and (issue_date >= date '{window_start}' "
        f"or settled_on is null or settled_on > date '{day}')"
    )
    return {
        "customers": f"""select customer_id, name, country, currency, industry,
                credit_limit::DECIMAL(18,2) as credit_limit,
                payment_terms_days, account_owner, language, timezone, created_at::DATE as created_at
            from customers where created_at <= date '{day}' order by customer_id""",
        "contacts": f"""select contact_id, k.customer_id, email, full_name, role, is_primary,
                case when opted_out_at < {cutoff} then strftime(opted_out_at, '{TS}') end as opted_out_at, k.timezone
            from contacts k join customers c on c.customer_id = k.customer_id and c.created_at <= date '{day}'
            order by contact_id""",
        "invoices": f"""select invoice_id, customer_id, issue_date::DATE as issue_date, due_date::DATE as due_date,
                amount::DECIMAL(18,2) as amount, currency, po_number from ({invoices}) order by invoice_id""",
        "payments": f"""select payment_id, p.customer_id, p.invoice_id, p.payment_date::DATE as payment_date,
                p.amount::DECIMAL(18,2) as amount, p.currency, p.method
            from payments p join ({invoices}) i using (invoice_id)
            where p.payment_date <= date '{day}' order by payment_id, invoice_id""",
        "credit_notes": f"""select credit_note_id, invoice_id, c.issue_date::DATE as issue_date,
                c.amount::DECIMAL(18,2) as amount, reason
            from credit_notes c join ({invoices}) i using (invoice_id)
            where c.issue_date <= date '{day}' order by credit_note_id""",
        "disputes": f"""select dispute_id, invoice_id, opened_at::DATE as opened_at,
                case when resolved_at <= date '{day}' then resolved_at::DATE end as resolved_at, reason,
                d.amount::DECIMAL(18,2) as amount
            from disputes d join ({invoices}) i using (invoice_id)
            where opened_at <= date '{day}' order by dispute_id""",
        "promises_to_pay": f"""select promise_id, invoice_id, p.created_at::DATE as created_at,
                promised_date::DATE as promised_date, p.amount::DECIMAL(18,2) as amount
            from promises_to_pay p join ({invoices}) i using (invoice_id)
            where p.created_at <= date '{day}' order by promise_id""",
        "contact_history": f"""select message_id, h.customer_id, contact_id, h.invoice_id, channel,
                strftime(sent_at, '{TS}') as sent_at, journey, step, tone, incentive, variant
            from contact_history h left join ({invoices}) i using (invoice_id)
            where sent_at < {cutoff} and sent_at >= date '{window_start}'
              and (h.invoice_id is null or i.invoice_id is not null) order by message_id""",
        "email_events": f"""select e.message_id, event, strftime(occurred_at, '{TS}') as occurred_at
            from email_events e join contact_history h using (message_id) left join ({invoices}) i using (invoice_id)
            where occurred_at < {cutoff} and sent_at >= date '{window_start}'
              and (h.invoice_id is null or i.invoice_id is not null) order by message_id, occurred_at, event""",
        "inbound_messages": f"""select inbound_id, from_email, customer_id,
                strftime(received_at, '{TS}') as received_at,
                subject, body, category
            from inbound_messages where received_at < {cutoff} and received_at >= date '{window_start}'
            order by inbound_id""",
    }


def emit_snapshot(con: duckdb.DuckDBPyConnection, folder: Path, day: date, history_days: int, fmt: str) -> Path:
    """Write every table for ``day`` into ``folder`` (replaced whole: a drop is a snapshot)."""
    import pandas as pd

    window_start = (pd.Timestamp(day) - pd.Timedelta(days=history_days)).date().isoformat()
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    for name, query in _queries(day.isoformat(), window_start).items():
        if name not in tables:
            continue
        options = "format parquet" if fmt == "parquet" else "format csv, header true, delimiter ','"
        con.execute(f"copy ({query}) to '{tmp / name}.{fmt}' ({options})")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)  # readers never see a half-written drop
    return folder
