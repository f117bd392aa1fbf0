"""What became of messages whose answer was lost, and what a run leaves outstanding.

SendGrid has no idempotency key, so a request that may have been accepted — its answer timed out
(``in_doubt``), or the run died between the request and its record (left ``sending``) — is never
sent again blindly. Every mail carries its Relance ``message_id`` in custom_args, and SendGrid's
Event Webhook reports a ``processed`` event (then delivered, bounce…) for every message it
accepted: any event for the id proves the accept and settles the message as sent. Without one,
the message waits ``RECONCILE_AFTER`` from its attempt (webhook events come within seconds to
minutes) before a resend is allowed. Every such decision is kept in journeys.delivery_decisions.
A dry-run attempt is simply made again: rewriting the same .eml file is idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

RECONCILE_AFTER = timedelta(minutes=30)
DDL = [
    "alter table journeys.outbox add column if not exists attempted_at TIMESTAMP",
    """create table if not exists journeys.delivery_decisions (
           message_id VARCHAR, decided_at TIMESTAMP, decision VARCHAR, detail VARCHAR)""",
]


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def decide(con: duckdb.DuckDBPyConnection, message_id: str, decision: str, detail: str, now: datetime) -> None:
    con.execute(
        "insert into journeys.delivery_decisions values (?, ?, ?, ?)", [message_id, _naive(now), decision, detail]
    )


def settle(
    con: duckdb.DuckDBPyConnection, as_of: str, now: datetime, wait: timedelta = RECONCILE_AFTER
) -> dict[str, int]:
    """Settle the ``sending`` and ``in_doubt`` e-mails of the day and of earlier days (the next
    day's run settles what a run left in doubt) from the webhook events ingested so far: ``sent``
    when SendGrid reported the message, ``pending`` (resend) once ``wait`` passed without a word,
    else left ``in_doubt``. Returns how many went each way."""
    rows = con.execute(
        """
        select o.message_id, o.status, coalesce(o.attempted_at, o.created_at) as attempted_at,
               coalesce(o.batch_id, '') like 'dry-run-%' as dry_run,
               (select string_agg(distinct e.event, ', ' order by e.event) from journeys.sendgrid_events e
                where e.message_id = o.message_id) as seen
        from journeys.outbox o
        where o.as_of_date <= ? and o.channel = 'email' and o.status in ('sending', 'in_doubt')
        order by o.message_id""",
        [as_of],
    ).fetchall()
    counts = {"sent": 0, "resend": 0, "in_doubt": 0}
    for message_id, status, attempted_at, dry_run, seen in rows:
        if status == "sending" and not dry_run:
            decide(con, message_id, "in_doubt", "the run stopped between the request and its answer", now)
        if seen:
            outcome, detail = "sent", f"SendGrid reported it ({seen}): accepted, not resent"
        elif dry_run:
            outcome, detail = "pending", "dry-run attempt interrupted: the .eml is written again"
        elif attempted_at is None or _naive(now) - attempted_at >= wait:
            outcome, detail = "pending", f"no webhook event {wait} after the attempt: resend allowed"
        else:
            counts["in_doubt"] += 1
            con.execute("update journeys.outbox set status = 'in_doubt' where message_id = ?", [message_id])
            continue
        con.execute(
            """update journeys.outbox set status = ?, last_error = ?,
                       delivered_at = case when ? = 'sent' then greatest(send_at, attempted_at) end
                       where message_id = ?""",
            [outcome, detail, outcome, message_id],
        )
        if not dry_run:
            decide(con, message_id, "reconciled_sent" if outcome == "sent" else "resend_after_wait", detail, now)
        counts["sent" if outcome == "sent" else "resend"] += 1
    return counts


def outstanding(con: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, dict[str, str]]:
    """E-mails that need a look, by kind: the day's refused for good (``failed``), and of the day or
    before, tried and left for the next run (``deferred``) or awaiting their webhook event
    (``in_doubt``) — with why."""
    found = {"failed": {}, "deferred": {}, "in_doubt": {}}
    for message_id, kind, why in con.execute(
        """
            select message_id, case when status = 'pending' then 'deferred' else status end, last_error
            from journeys.outbox where as_of_date <= ? and channel = 'email'
              and ((status = 'failed' and as_of_date = ?) or status in ('in_doubt', 'sending')
                   or (status = 'pending' and attempts > 0))
            order by message_id""",
        [as_of, as_of],
    ).fetchall():
        found["in_doubt" if kind == "sending" else kind][message_id] = why or ""
    return found


def _naive(moment: datetime) -> datetime:
    """The warehouse keeps UTC timestamps without a zone."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
