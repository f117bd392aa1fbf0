"""Relance's own tables in the warehouse (schema ``journeys``).

* ``contact_list`` / ``blocked_sends``: each day's plan and what the rules stopped, replaced
  whole when a day is re-run.
* ``outbox``: every planned touch, keyed by its deterministic message id. A re-run inserts
  nothing it already holds, so a message is planned, rendered and delivered at most once;
  planned-but-unsent messages that a re-run no longer wants are cancelled, never deleted.
* ``dunning_blocks``: "stop reminding" per customer or invoice, with a reason and an end date.
* ``sendgrid_events``: Event Webhook events, one row per ``sg_event_id``.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from journeys.contact_list import BLOCKED_COLUMNS, PLAN_COLUMNS, Plan

DDL = [
    "create schema if not exists journeys",
    """create table if not exists journeys.contact_list (
        as_of_date DATE, send_day DATE, message_id VARCHAR, action VARCHAR, customer_id VARCHAR,
        contact_id VARCHAR, channel VARCHAR, journey VARCHAR, segment VARCHAR, step VARCHAR, tone VARCHAR,
        template VARCHAR, incentive VARCHAR, variant VARCHAR, experiment VARCHAR, invoice_ids VARCHAR,
        invoice_count INTEGER, amount_due DECIMAL(18,2), currency_code VARCHAR, max_days_past_due INTEGER,
        send_at_utc TIMESTAMP, timezone VARCHAR, language_code VARCHAR, account_owner VARCHAR,
        reason_customer VARCHAR, reason_now VARCHAR, reason_offer VARCHAR)""",
    """create table if not exists journeys.blocked_sends (
        as_of_date DATE, send_day DATE, customer_id VARCHAR, invoice_id VARCHAR, message_id VARCHAR,
        journey VARCHAR, step VARCHAR, channel VARCHAR, rule VARCHAR, detail VARCHAR)""",
    """create table if not exists journeys.outbox (
        message_id VARCHAR PRIMARY KEY, as_of_date DATE, send_day DATE, customer_id VARCHAR, contact_id VARCHAR,
        channel VARCHAR, journey VARCHAR, step VARCHAR, tone VARCHAR, template VARCHAR, incentive VARCHAR,
        variant VARCHAR, experiment VARCHAR, invoice_ids VARCHAR, currency_code VARCHAR,
        amount_due DECIMAL(18,2), language_code VARCHAR, send_at TIMESTAMP, status VARCHAR,
        subject VARCHAR, body_html VARCHAR, body_text VARCHAR, batch_id VARCHAR, attempts INTEGER DEFAULT 0,
        last_error VARCHAR, provider_message_id VARCHAR, created_at TIMESTAMP, delivered_at TIMESTAMP)""",
    """create table if not exists journeys.dunning_blocks (
        customer_id VARCHAR NOT NULL, invoice_id VARCHAR, reason VARCHAR NOT NULL, until DATE,
        created_at TIMESTAMP DEFAULT now()::TIMESTAMP)""",
    """create table if not exists journeys.sendgrid_events (
        sg_event_id VARCHAR PRIMARY KEY, event VARCHAR, occurred_at TIMESTAMP, message_id VARCHAR,
        contact_id VARCHAR, machine_open BOOLEAN, source_file VARCHAR)""",
]
# What counts as a touch already made: planned messages stay planned until sent or cancelled
# (``in_doubt``: SendGrid may have accepted it, see journeys/outcomes.py).
LIVE_STATUSES = ("pending", "sending", "in_doubt", "sent", "dry_run", "assigned")


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def _replace_day(con: duckdb.DuckDBPyConnection, table: str, as_of, frame: pd.DataFrame, columns: list[str]) -> None:
    con.execute(f"delete from journeys.{table} where as_of_date = ?", [as_of])
    if len(frame):
        con.register("day_frame", frame[columns])
        con.execute(f"insert into journeys.{table} by name select * from day_frame")
        con.unregister("day_frame")


def save_plan(con: duckdb.DuckDBPyConnection, plan: Plan, as_of: pd.Timestamp) -> dict[str, int]:
    """Store the day's plan and queue its sends, in one transaction. Returns counts."""
    ensure(con)
    sends = plan.contact_list[plan.contact_list.action.isin(["send", "task"])]
    con.execute("begin transaction")
    try:
        _replace_day(con, "contact_list", as_of.date(), plan.contact_list, PLAN_COLUMNS)
        _replace_day(con, "blocked_sends", as_of.date(), plan.blocked, BLOCKED_COLUMNS)
        con.execute(
            """update journeys.outbox set status = 'cancelled'
                       where as_of_date = ? and status = 'pending' and message_id not in (select unnest(?))""",
            [as_of.date(), sends.message_id.tolist()],
        )
        before = con.execute("select count(*) from journeys.outbox").fetchall()[0][0]
        if len(sends):
            queued = sends.assign(
                send_at=sends.send_at_utc,
                created_at=pd.Timestamp.now(tz="UTC").tz_localize(None),
                status=sends.channel.map(lambda c: "pending" if c in ("email", "letter") else "assigned"),
            )
            con.register("queued", queued.drop(columns=["send_at_utc"]))
            con.execute("""insert into journeys.outbox by name
                           select message_id, as_of_date, send_day, customer_id, contact_id, channel, journey, step,
                                  tone, template, incentive, variant, experiment, invoice_ids, currency_code,
                                  amount_due, language_code, send_at, status, created_at
                           from queued on conflict (message_id) do nothing""")
            con.unregister("queued")
        added = con.execute("select count(*) from journeys.outbox").fetchall()[0][0] - before
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return {
        "planned": int((plan.contact_list.action == "send").sum()),
        "held_out": int((plan.contact_list.action == "hold_out").sum()),
        "tasks": int((plan.contact_list.action == "task").sum()),
        "blocked": len(plan.blocked),
        "queued": int(added),
    }


def touches(con: duckdb.DuckDBPyConnection, before) -> pd.DataFrame:
    """The outbox as contact history: one row per (message, invoice) for every live touch
    planned by runs before ``before`` — a re-run of a day must not see its own first plan as
    touches already made, or it would block itself."""
    ensure(con)
    return con.execute(
        """
        select message_id, customer_id, unnest(string_split(invoice_ids, ',')) as invoice_id, channel,
               coalesce(delivered_at, send_at) as sent_at, journey, step, tone
        from journeys.outbox where status in (select unnest(?)) and as_of_date < ?""",
        [list(LIVE_STATUSES), before],
    ).df()


def delivered_on(con: duckdb.DuckDBPyConnection, as_of) -> dict[str, str]:
    """Message id → customer id of the e-mails an earlier run of ``as_of`` already handed over
    (or may have: ``sending``, ``in_doubt``)."""
    ensure(con)
    return dict(
        con.execute(
            """select message_id, customer_id from journeys.outbox
                               where as_of_date = ? and status in ('sending', 'in_doubt', 'sent', 'dry_run')""",
            [as_of],
        ).fetchall()
    )


def delivered_sends(con: duckdb.DuckDBPyConnection, through_day) -> pd.DataFrame:
    """Customer-facing touches made up to ``through_day`` (e-mails sent or dry-run, calls
    assigned), in the ERP contract's contact_history shape: what the ERP — or the simulator —
    records as sent. A statement covering several invoices has no single invoice_id."""
    ensure(con)
    return con.execute(
        """
        select message_id, customer_id, contact_id,
               case when invoice_ids not like '%,%' then invoice_ids end as invoice_id,
               channel, send_at as sent_at, journey, step, tone, coalesce(incentive, 'none') as incentive, variant
        from journeys.outbox
        where channel in ('email', 'call', 'letter') and status in ('sent', 'dry_run', 'assigned') and send_day <= ?
        order by send_at, message_id""",
        [through_day],
    ).df()


def call_tasks(con: duckdb.DuckDBPyConnection, as_of: str) -> pd.DataFrame:
    """The day's work for people — calls to customers and internal tasks (owner notices,
    dispute routing) — with ids, amounts and reasons; names and numbers stay in the ERP."""
    return con.execute(
        """
        select send_day, account_owner, channel, step, customer_id, contact_id, invoice_ids, amount_due,
               currency_code, max_days_past_due, journey, reason_customer, reason_now
        from journeys.contact_list where as_of_date = ? and channel in ('call', 'task') and action in ('send', 'task')
        order by account_owner, customer_id, step""",
        [as_of],
    ).df()


def blocks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    ensure(con)
    return con.execute("select customer_id, invoice_id, reason, until from journeys.dunning_blocks").df()


def add_block(
    con: duckdb.DuckDBPyConnection, customer_id: str, reason: str, until=None, invoice_id: str | None = None
) -> None:
    """Stop reminding a customer (or one of its invoices) until a date, for a stated reason."""
    if not reason or not reason.strip():
        raise ValueError("a dunning block needs a reason")
    ensure(con)
    con.execute(
        "insert into journeys.dunning_blocks (customer_id, invoice_id, reason, until) values (?, ?, ?, ?)",
        [customer_id, invoice_id, reason.strip(), until],
    )
