"""Relance's own tables in the warehouse (schema ``journeys``).

* ``contact_list`` / ``blocked_sends``: each day's plan and what the rules stopped, replaced
  whole when a day is re-run — the messages an earlier run of the day handed over stay in the
  list as they went (``already_sent``).
* ``outbox``: every planned touch, keyed by its deterministic message id. A re-run inserts
  nothing it already holds, so a message is planned, rendered and delivered at most once;
  planned-but-unsent messages that a re-run no longer wants are cancelled, never deleted.
* ``experiment_allocations``: each day's adaptive-experiment decisions with their evidence.
* ``dunning_blocks``: "stop reminding" per customer or invoice, with a reason and an end date.
* ``sendgrid_events``: Event Webhook events, one row per ``sg_event_id``.
* ``inbound_replies``: what journeys/replies.py decided for each inbound request, by inbound id.
* ``outbox_attachments``: files an e-mail carries (an automatic reply's invoice copies), by message id.

Automatic replies (journeys/replies.py) are outbox rows of the journey ``reply``: delivered like
any e-mail, but answers the customer asked for, not dunning touches — the planner's history, its
same-day re-run guard and the ERP's contact history leave them out.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from journeys.adaptive import DECISION_COLUMNS
from journeys.contact_list import BLOCKED_COLUMNS, PLAN_COLUMNS, Plan

DDL = [
    "create schema if not exists journeys",
    """create table if not exists journeys.contact_list (
        as_of_date DATE, send_day DATE, message_id VARCHAR, action VARCHAR, customer_id VARCHAR,
        contact_id VARCHAR, channel VARCHAR, journey VARCHAR, segment VARCHAR, step VARCHAR, tone VARCHAR,
        template VARCHAR, incentive VARCHAR, variant VARCHAR, experiment VARCHAR, invoice_ids VARCHAR[],
        invoice_count INTEGER, amount_due DECIMAL(18,2), currency_code VARCHAR, max_days_past_due INTEGER,
        send_at_utc TIMESTAMP, timezone VARCHAR, language_code VARCHAR, account_owner VARCHAR,
        reason_customer VARCHAR, reason_now VARCHAR, reason_offer VARCHAR, already_sent BOOLEAN)""",
    # a list stored before re-runs kept what the day had sent
    "alter table journeys.contact_list add column if not exists already_sent BOOLEAN",
    """create table if not exists journeys.blocked_sends (
        as_of_date DATE, send_day DATE, customer_id VARCHAR, invoice_id VARCHAR, message_id VARCHAR,
        journey VARCHAR, step VARCHAR, channel VARCHAR, rule VARCHAR, detail VARCHAR)""",
    """create table if not exists journeys.experiment_allocations (
        as_of_date DATE, send_day DATE, experiment VARCHAR, segment VARCHAR, variant VARCHAR,
        exposures_matured INTEGER, exposures_paid INTEGER, prob_best DOUBLE, arm_status VARCHAR,
        allocated_share DOUBLE, allocation_reason VARCHAR)""",
    """create table if not exists journeys.outbox (
        message_id VARCHAR PRIMARY KEY, as_of_date DATE, send_day DATE, customer_id VARCHAR, contact_id VARCHAR,
        channel VARCHAR, journey VARCHAR, step VARCHAR, tone VARCHAR, template VARCHAR, incentive VARCHAR,
        variant VARCHAR, experiment VARCHAR, invoice_ids VARCHAR[], currency_code VARCHAR,
        amount_due DECIMAL(18,2), language_code VARCHAR, send_at TIMESTAMP, status VARCHAR,
        subject VARCHAR, body_html VARCHAR, body_text VARCHAR, batch_id VARCHAR, attempts INTEGER DEFAULT 0,
        last_error VARCHAR, provider_message_id VARCHAR, created_at TIMESTAMP, delivered_at TIMESTAMP)""",
    """create table if not exists journeys.dunning_blocks (
        customer_id VARCHAR NOT NULL, invoice_id VARCHAR, reason VARCHAR NOT NULL, until DATE,
        created_at TIMESTAMP DEFAULT now()::TIMESTAMP)""",
    """create table if not exists journeys.sendgrid_events (
        sg_event_id VARCHAR PRIMARY KEY, event VARCHAR, occurred_at TIMESTAMP, message_id VARCHAR,
        contact_id VARCHAR, machine_open BOOLEAN, source_file VARCHAR)""",
    """create table if not exists journeys.inbound_replies (
        inbound_id VARCHAR PRIMARY KEY, as_of_date DATE, customer_id VARCHAR, contact_id VARCHAR,
        category VARCHAR, status VARCHAR, reply_message_id VARCHAR, reason VARCHAR, decided_at TIMESTAMP)""",
    """create table if not exists journeys.outbox_attachments (
        message_id VARCHAR, filename VARCHAR, mime_type VARCHAR, content BLOB, PRIMARY KEY (message_id, filename))""",
]
REPLY_JOURNEY = "reply"
# What counts as a touch already made: planned messages stay planned until sent or cancelled
# (``in_doubt``: SendGrid may have accepted it, see journeys/outcomes.py).
LIVE_STATUSES = ("pending", "sending", "in_doubt", "sent", "dry_run", "assigned")


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)
    _ids_as_lists(con)


def _ids_as_lists(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse written before ids were stored as lists held them comma-joined (an id with a
    comma broke them): convert such columns in place, once."""
    joined = con.execute("""select table_name from information_schema.columns where table_schema = 'journeys'
                            and column_name = 'invoice_ids' and data_type = 'VARCHAR'""").fetchall()
    for (table,) in joined:
        con.execute(
            f"alter table journeys.{table} alter invoice_ids type VARCHAR[] using string_split(invoice_ids, ',')"
        )


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
        _replace_day(con, "experiment_allocations", as_of.date(), plan.allocations, DECISION_COLUMNS)
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
        mark_handed_over(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return {
        "planned": int((plan.contact_list.action == "send").sum()),
        "held_out": int((plan.contact_list.action == "hold_out").sum()),
        "tasks": int((plan.contact_list.action == "task").sum()),
        "already_sent": int(plan.contact_list.already_sent.eq(True).sum()),  # kept from an earlier run of the day
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
        select message_id, customer_id, unnest(invoice_ids) as invoice_id, channel,
               coalesce(delivered_at, send_at) as sent_at, journey, step, tone
        from journeys.outbox where status in (select unnest(?)) and as_of_date < ? and journey is distinct from ?""",
        [list(LIVE_STATUSES), before, REPLY_JOURNEY],
    ).df()


# Handed over: an e-mail sent (or that may have been: ``sending``, ``in_doubt``), a call or task assigned.
HANDED_OVER = ("sending", "in_doubt", "sent", "dry_run", "assigned")
# What the outbox knows of a plan row whose stored row was lost (a list saved before re-runs kept them).
FROM_OUTBOX = {
    "action": "case when o.channel = 'task' then 'task' else 'send' end",
    "invoice_count": "len(o.invoice_ids)",
    "send_at_utc": "o.send_at",
    "reason_now": "'handed over by an earlier run of this day'",
}


def mark_handed_over(con: duckdb.DuckDBPyConnection) -> None:
    """Mark ``already_sent`` the list rows whose message went out (calls and tasks when planned,
    e-mails at delivery), so that a day's list reads the same after one run as after a re-run."""
    con.execute(
        """update journeys.contact_list l set already_sent = true from journeys.outbox o
           where o.message_id = l.message_id and o.as_of_date = l.as_of_date
             and o.status in (select unnest(?)) and not coalesce(l.already_sent, false)""",
        [list(HANDED_OVER)],
    )


def handed_over(con: duckdb.DuckDBPyConnection, as_of) -> pd.DataFrame:
    """The plan rows of the messages an earlier run of ``as_of`` already handed over, as the day's
    list stored them (from the outbox where that row is missing)."""
    ensure(con)
    outbox = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'journeys' and table_name = 'outbox'"
        ).fetchall()
    }
    columns = [
        f"coalesce(l.{c}, {FROM_OUTBOX.get(c, f'o.{c}' if c in outbox else 'null')}) as {c}"
        for c in PLAN_COLUMNS
        if c != "already_sent"
    ]
    return (
        con.execute(
            f"""select {", ".join(columns)} from journeys.outbox o
            left join journeys.contact_list l on l.message_id = o.message_id and l.as_of_date = o.as_of_date
            where o.as_of_date = ? and o.status in (select unnest(?)) and o.journey is distinct from ?
            order by o.message_id""",
            [as_of, list(HANDED_OVER), REPLY_JOURNEY],
        )
        .df()
        .assign(amount_due=lambda f: pd.to_numeric(f.amount_due).astype(float))
    )


def delivered_sends(con: duckdb.DuckDBPyConnection, through_day) -> pd.DataFrame:
    """Customer-facing touches made up to ``through_day`` (e-mails sent or dry-run, calls
    assigned), in the ERP contract's contact_history shape: what the ERP — or the simulator —
    records as sent. A statement covering several invoices has no single invoice_id."""
    ensure(con)
    return con.execute(
        """
        select message_id, customer_id, contact_id,
               case when len(invoice_ids) = 1 then invoice_ids[1] end as invoice_id,
               channel, send_at as sent_at, journey, step, tone, coalesce(incentive, 'none') as incentive, variant
        from journeys.outbox
        where channel in ('email', 'call', 'letter') and status in ('sent', 'dry_run', 'assigned') and send_day <= ?
          and journey is distinct from ?
        order by send_at, message_id""",
        [through_day, REPLY_JOURNEY],
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


def contacts_with_own_suppression(con: duckdb.DuckDBPyConnection, columns: list[str]) -> pd.DataFrame:
    """dim_contacts' ``columns`` and ``is_emailable``, with the unsubscribes the automatic replies
    honoured applied at once (dbt's suppression sees only what the ERP and SendGrid recorded)."""
    ensure(con)
    picked = "".join(f"c.{name}, " for name in columns if name not in ("contact_id", "is_emailable"))
    return con.execute(f"""
        select c.contact_id, {picked}c.is_emailable and u.contact_id is null as is_emailable
        from marts.dim_contacts c left join (select distinct contact_id from journeys.inbound_replies
                                             where category = 'unsubscribe' and status <> 'to_person') u
          using (contact_id)
        order by c.contact_id""").df()


def unsubscribe_confirmations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Ids of the automatic replies confirming an unsubscribe: the one message an address that
    just opted out still receives."""
    ensure(con)
    query = """select reply_message_id from journeys.inbound_replies
                 where category = 'unsubscribe' and reply_message_id is not null"""
    return {message_id for (message_id,) in con.execute(query).fetchall()}


def attachments(con: duckdb.DuckDBPyConnection, message_ids: list[str]) -> dict[str, list[dict]]:
    """Message id → its files (filename, mime_type, content bytes), for the messages that have any."""
    ensure(con)
    found: dict[str, list[dict]] = {}
    for message_id, filename, mime_type, content in con.execute(
        """select message_id, filename, mime_type, content from journeys.outbox_attachments
           where list_contains(?, message_id) order by message_id, filename""",
        [message_ids],
    ).fetchall():
        found.setdefault(message_id, []).append({"filename": filename, "mime_type": mime_type, "content": content})
    return found


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
