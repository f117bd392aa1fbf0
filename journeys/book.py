"""Read the day's book from the warehouse: open invoices with their customer's 360° profile and
model scores, contacts with their e-mail suppressions, every past touch (the ERP's contact
history and Relance's own outbox), and the dunning blocks."""

from __future__ import annotations

import duckdb
import pandas as pd

from journeys import store
from journeys.catalog import INVOICE_COLUMNS
from journeys.contact_list import Book
from journeys.policy import BOUNCE_EVENTS, OPT_OUT_EVENTS

CUSTOMER_COLUMNS = ["country_code", "timezone", "language_code", "account_owner", "customer_name"]


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [schema, table]).fetchall()[0][0] > 0


def open_invoices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    scores = _exists(con, "ml", "invoice_scores")
    frame = con.execute(f"""
        select i.invoice_id, i.customer_id, i.currency_code, i.issue_date, i.due_date, i.po_number,
               i.invoice_amount::DOUBLE as invoice_amount, i.paid_amount::DOUBLE as paid_amount,
               i.open_amount::DOUBLE as open_amount, i.days_past_due, i.is_in_dispute, i.has_active_promise,
               coalesce(i.active_promise_date, i.last_broken_promise_date) as promise_date,
               i.active_promise_date is null and i.last_broken_promise_date is not null as promise_broken,
               date_diff('day', i.last_broken_promise_date, i.as_of_date) as days_since_promise,
               c.segment, c.payment_delay_risk, c.self_cure_probability, c.late_share_365d, c.self_cure_share_365d,
               c.avg_days_late_365d,
               c.days_late_trend, c.open_balance::DOUBLE as open_balance,
               c.overdue_balance::DOUBLE as overdue_balance, c.max_days_past_due, c.best_send_hour,
               c.most_frequent_open_hour, c.dominant_method_90d,
               c.best_incentive, {'s.p50_days_late, s.p_late_30' if scores else 'null as p50_days_late, null as p_late_30'},
               c.country_code, c.timezone, c.language_code, c.account_owner, c.customer_name
        from marts.fct_invoices i
        join marts.dim_customer_360 c using (customer_id)
        {'left join ml.invoice_scores s on s.invoice_id = i.invoice_id and s.as_of_date = i.as_of_date' if scores else ''}
        where i.open_amount > 0
        order by i.invoice_id""").df()
    for column, dtype in INVOICE_COLUMNS.items():
        if dtype == "float":
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        elif dtype == "bool":
            frame[column] = frame[column].fillna(False).astype(bool)
        elif dtype.startswith("datetime"):
            frame[column] = pd.to_datetime(frame[column])
    return frame


def suppressed_contacts_sql(con: duckdb.DuckDBPyConnection) -> str:
    """A query of the contact ids no e-mail may go to: an unsubscribe or spam report, ever; a
    bounce or drop not followed by a successful delivery (a later delivery proves the address
    works again). Events come from the ERP's history and from SendGrid's webhook."""
    events = ["""select h.contact_id, e.event_type as event, e.occurred_at from staging.stg_erp__email_events e
                 join staging.stg_erp__contact_history h using (message_id)"""]
    if _exists(con, "journeys", "sendgrid_events"):
        events.append("select contact_id, event, occurred_at from journeys.sendgrid_events")
    return f"""
        with events as ({' union all '.join(events)}),
        bounced as (select contact_id, max(occurred_at) as last_bounce from events
                    where event in {BOUNCE_EVENTS} group by contact_id)
        select contact_id from events where event in {OPT_OUT_EVENTS}
        union
        select b.contact_id from bounced b
        where not exists (select 1 from events d where d.contact_id = b.contact_id and d.event = 'delivered'
                          and d.occurred_at > b.last_bounce)"""


def contacts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Contacts with ``suppressed`` set when their address may not be e-mailed (see above)."""
    return con.execute(f"""
        with suppressing as ({suppressed_contacts_sql(con)})
        select c.contact_id, c.customer_id, c.email, c.full_name, c.contact_role as role, c.is_primary,
               c.opted_out_at, c.contact_timezone as timezone,
               c.contact_id in (select contact_id from suppressing) as suppressed
        from staging.stg_erp__contacts c""").df()


def history(con: duckdb.DuckDBPyConnection, as_of: pd.Timestamp) -> pd.DataFrame:
    """Every touch: one row per (message, invoice). The outbox's own rows count from the moment
    they are planned, so a message scheduled but not yet sent is never planned again."""
    erp = con.execute("""
        select message_id, customer_id, invoice_id, channel, sent_at, journey, journey_step as step, tone
        from marts.fct_contacts""").df()
    own = store.touches(con, before=as_of.date())
    # Relance's own record wins: it knows every invoice a statement covered and the step.
    return pd.concat([erp[~erp.message_id.isin(own.message_id)], own], ignore_index=True) if len(own) else erp


def load(con: duckdb.DuckDBPyConnection) -> Book:
    as_of = pd.Timestamp(con.execute("select max(as_of_date) from marts.fct_invoices").fetchall()[0][0])
    return Book(as_of=as_of, invoices=open_invoices(con), contacts=contacts(con), history=history(con, as_of),
                blocks=store.blocks(con), delivered_today=store.delivered_on(con, as_of.date()))
