"""Deliver the outbox: render each pending e-mail, then hand it to SendGrid (live) or write it
as an .eml file (dry-run, the default).

Exactly once: every message has a deterministic id and a status in ``journeys.outbox``. A
message is marked ``sending`` (with the time of the attempt) before the request and ``sent`` as
soon as SendGrid accepts it, each in its own commit, so a crash or a kill loses nothing. A
request whose answer is lost — a timeout, or a crash between SendGrid's accept and our record —
is never retried blindly: it is ``in_doubt`` until the Event Webhook's events settle it
(journeys/outcomes.py). The HTTP side, retries and their budget are in journeys/sendgrid_client.py.

No personal data leaves in categories or custom_args: only opaque ids, journey, step, variant.
Nothing here logs an address or a name.
"""

from __future__ import annotations

import email.message
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from journeys import outcomes, render, store, unsubscribe
from journeys.sendgrid_client import InDoubtError, PermanentError, RetryableError, SendGridSender
from journeys.unsubscribe import UnsubscribeLinks

log = logging.getLogger(__name__)

MIN_LEAD = timedelta(minutes=2)  # a send_at closer than this is sent at once instead
MAX_AHEAD = timedelta(hours=72)


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # tried, not accepted within the retry budget: next run
    in_doubt: int = 0  # answer lost: awaiting the webhook's word (journeys/outcomes.py)
    reconciled: int = 0  # earlier lost answers settled as sent from webhook events
    later: int = 0  # due beyond SendGrid's 72 hours: a later run schedules it
    suppressed: int = 0  # the contact opted out or bounced since the plan: cancelled, never sent
    waiting: int = 0  # not approved (approval mode) or held by a person: stays pending
    errors: dict[str, str] = field(default_factory=dict)  # message_id → detail


# ------------------------------------------------------------------ senders
class DryRunSender:
    """Writes each message as an .eml file (and the SendGrid request it would have made)."""

    live = False

    def __init__(self, folder: Path, links: UnsubscribeLinks | None = None):
        self.folder, self.links = folder, links

    def batch_id(self, as_of: str) -> str:
        return f"dry-run-{as_of}"

    def send(self, message: dict, recipient: dict, brand: dict, send_at: datetime | None, batch_id: str) -> str:
        day = self.folder / str(message["send_day"])[:10]
        day.mkdir(parents=True, exist_ok=True)
        eml = email.message.EmailMessage()
        eml["Subject"] = message["subject"]
        eml["From"] = f"{brand['from_name']} <{brand['from_email']}>"
        eml["To"] = recipient["email"]
        eml["Reply-To"] = brand["reply_to"]
        eml["Message-ID"] = f"<{message['message_id']}@relance>"
        if self.links is not None:
            for name, value in unsubscribe.headers(
                self.links, message["customer_id"], brand["reply_to"], message["message_id"]
            ).items():
                eml[name] = value
        if send_at:
            eml["Date"] = send_at.strftime("%a, %d %b %Y %H:%M:%S +0000")
        eml.set_content(message["body_text"])
        eml.add_alternative(message["body_html"], subtype="html")
        for file in message.get("attachments") or ():
            maintype, _, subtype = file["mime_type"].partition("/")
            eml.add_attachment(bytes(file["content"]), maintype=maintype, subtype=subtype, filename=file["filename"])
        (day / f"{message['message_id']}.eml").write_bytes(bytes(eml))
        return f"dry-run:{message['message_id']}"


# ------------------------------------------------------------------ outbox
def render_pending(con: duckdb.DuckDBPyConnection, brand: dict, links: UnsubscribeLinks | None = None) -> int:
    """Fill subject and bodies of pending e-mails that have none yet (ERP details of the day);
    the unsubscribe link is the portal's when ``links`` are given, else SendGrid's group link."""
    pending = con.execute("""select * from journeys.outbox where channel = 'email' and status = 'pending'
                             and subject is null""").df()
    if pending.empty:
        return 0
    invoices = (
        con.execute(
            """select invoice_id, po_number, due_date, open_amount::DOUBLE as open_amount
                              from marts.fct_invoices where invoice_id in (select unnest(?))""",
            [sorted({i for ids in pending.invoice_ids for i in ids})],
        )
        .df()
        .set_index("invoice_id")
    )
    names = _recipients(con, pending.contact_id.tolist())
    account = con.execute("select customer_id, account_owner from marts.dim_customer_360").df().set_index("customer_id")
    for row in pending.to_dict("records"):
        row["account_owner"] = account.account_owner.get(row["customer_id"])
        lines = (
            invoices.reindex(list(row["invoice_ids"]))
            .reset_index()
            .assign(due_date=lambda f: pd.to_datetime(f.due_date))
        )
        unsubscribe_url = links.page(row["customer_id"]) if links else render.SENDGRID_UNSUBSCRIBE_TAG
        out = render.render(row, lines, brand, names.get(row["contact_id"], {}).get("name"), unsubscribe_url)
        con.execute(
            "update journeys.outbox set subject = ?, body_html = ?, body_text = ? where message_id = ?",
            [out.subject, out.html, out.text, row["message_id"]],
        )
    return len(pending)


def _recipients(con: duckdb.DuckDBPyConnection, contact_ids: list[str]) -> dict[str, dict]:
    query = "select contact_id, email, full_name from marts.dim_contacts where list_contains(?, contact_id)"
    return {cid: {"email": mail, "name": name} for cid, mail, name in con.execute(query, [contact_ids]).fetchall()}


def _batch_id(con: duckdb.DuckDBPyConnection, sender, as_of: str) -> str:
    """One batch per daily run and mode, kept so that a re-run of the day reuses it."""
    con.execute(
        "create table if not exists journeys.delivery_batches (as_of_date DATE, live BOOLEAN, batch_id VARCHAR)"
    )
    found = con.execute(
        "select batch_id from journeys.delivery_batches where as_of_date = ? and live = ?", [as_of, sender.live]
    ).fetchall()
    if found:
        return found[0][0]
    batch = sender.batch_id(as_of)
    con.execute("insert into journeys.delivery_batches values (?, ?, ?)", [as_of, sender.live, batch])
    return batch


def deliver(
    con: duckdb.DuckDBPyConnection,
    sender,
    brand: dict,
    as_of: str,
    now: datetime | None = None,
    reconcile_after: timedelta = outcomes.RECONCILE_AFTER,
    deliverable: Callable[[str, list[str]], set[str]] | None = None,
) -> Report:
    """Settle lost answers from the webhook events (journeys/outcomes.py), then send every pending
    e-mail of the as-of day — and those earlier runs deferred — whose time has come within
    SendGrid's 72 hours; each outcome is committed before the next message. ``deliverable``
    (plan day, message ids) → the ids of the day's plan people let go (the cockpit's holds and
    approvals); the others stay pending for a later run. Automatic replies are not in the plan
    people review: they answer what a customer asked for and go without waiting."""
    store.ensure(con)
    outcomes.ensure(con)
    render_pending(con, brand, sender.links)
    now = now or datetime.now(UTC)
    settled = outcomes.settle(con, as_of, now, reconcile_after)
    report = Report(reconciled=settled["sent"], in_doubt=settled["in_doubt"])
    # An earlier day's message already tried (deferred, or cleared for a resend) goes with this run.
    due = con.execute(
        """select * from journeys.outbox where channel = 'email' and status = 'pending'
                         and (as_of_date = ? or (as_of_date < ? and attempts > 0))
                         order by send_at, message_id""",
        [as_of, as_of],
    ).df()
    if deliverable is not None and not due.empty:
        planned = due[due.journey != store.REPLY_JOURNEY]  # people review the plan; a reply answers a request
        allowed = set(due.message_id[due.journey == store.REPLY_JOURNEY]).union(
            *(
                deliverable(str(day.date()), group.message_id.tolist())
                for day, group in planned.groupby(pd.to_datetime(planned.as_of_date))
            )
        )
        report.waiting = int((~due.message_id.isin(allowed)).sum())
        due = due[due.message_id.isin(allowed)]
    due = _cancel_suppressed(con, due, report)
    if not due.empty:
        batch = _batch_id(con, sender, as_of)
        recipients = _recipients(con, due.contact_id.tolist())
        files = store.attachments(con, due.message_id.tolist())  # an automatic reply's invoice copies
        for row in due.to_dict("records"):
            row["attachments"] = files.get(row["message_id"], [])
            _deliver_one(con, sender, brand, row, recipients.get(row["contact_id"]), batch, now, report)
    store.mark_handed_over(con)
    log.info(
        "delivery %s: %d sent, %d failed, %d deferred to the next run, %d in doubt, %d reconciled as sent, "
        "%d due beyond 72 h, %d awaiting a person, %d cancelled: the contact can no longer be e-mailed",
        as_of,
        report.sent,
        report.failed,
        report.deferred,
        report.in_doubt,
        report.reconciled,
        report.later,
        report.waiting,
        report.suppressed,
    )
    return report


def _cancel_suppressed(con: duckdb.DuckDBPyConnection, due: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Suppression is checked again at send time, not only when the plan was made: a message
    deferred by an earlier run, or planned before today's unsubscribe, bounce or spam report
    landed, must not reach an address that opted out since. Only the confirmation of an
    unsubscribe still goes to the address it confirms."""
    if due.empty:
        return due
    contacts = store.contacts_with_own_suppression(con, ["suppression_reason"]).set_index("contact_id")
    emailable = due.contact_id.map(contacts.is_emailable).fillna(True).astype(bool)
    blocked = due[~emailable & ~due.message_id.isin(store.unsubscribe_confirmations(con))]
    for message_id, contact_id in zip(blocked.message_id, blocked.contact_id, strict=True):
        reason = contacts.suppression_reason.get(contact_id) or "unsubscribed by e-mail"
        _finish(con, message_id, "cancelled", error=f"the contact can no longer be e-mailed: {reason}")
    report.suppressed += len(blocked)
    return due[~due.message_id.isin(blocked.message_id)]


def _deliver_one(
    con, sender, brand: dict, row: dict, recipient: dict | None, batch: str, now: datetime, report: Report
) -> None:
    message_id = row["message_id"]
    send_at = pd.Timestamp(row["send_at"]).tz_localize("UTC").to_pydatetime()
    if send_at - now > MAX_AHEAD:
        report.later += 1
        return
    if recipient is None or not recipient["email"]:
        _finish(con, message_id, "failed", error="the contact has no e-mail address any more")
        report.failed += 1
        return
    con.execute(
        "update journeys.outbox set status = 'sending', attempts = attempts + 1, batch_id = ?, "
        "attempted_at = ? where message_id = ?",
        [batch, now.replace(tzinfo=None), message_id],
    )
    try:
        provider_id = sender.send(row, recipient, brand, send_at if send_at - now > MIN_LEAD else None, batch)
    except (PermanentError, RetryableError, InDoubtError) as err:
        status, counter = {
            PermanentError: ("failed", "failed"),
            RetryableError: ("pending", "deferred"),
            InDoubtError: ("in_doubt", "in_doubt"),
        }[type(err)]
        _finish(con, message_id, status, error=str(err))
        if status == "in_doubt":
            outcomes.decide(con, message_id, "in_doubt", str(err), now)
        setattr(report, counter, getattr(report, counter) + 1)
        report.errors[message_id] = str(err)
        return
    _finish(
        con, message_id, "sent" if sender.live else "dry_run", provider_id=provider_id, delivered_at=max(send_at, now)
    )
    report.sent += 1


def _finish(
    con,
    message_id: str,
    status: str,
    error: str | None = None,
    provider_id: str | None = None,
    delivered_at: datetime | None = None,
) -> None:
    con.execute(
        """update journeys.outbox set status = ?, last_error = coalesce(?, last_error),
                   provider_message_id = coalesce(?, provider_message_id), delivered_at = ? where message_id = ?""",
        [status, error, provider_id, delivered_at.replace(tzinfo=None) if delivered_at else None, message_id],
    )


def make_sender(
    outbox_dir: Path,
    api_key: str | None = None,
    host: str = "https://api.sendgrid.com",
    asm_group_id: int | None = None,
    sandbox: bool = False,
    links: UnsubscribeLinks | None = None,
):
    """Live through SendGrid when ``api_key`` is given (``host`` for another server or region,
    ``sandbox`` to validate without sending, ``asm_group_id`` for the unsubscribe group);
    otherwise dry-run into ``outbox_dir``, with the portal's unsubscribe ``links``. The key is
    never logged."""
    if not api_key:
        return DryRunSender(outbox_dir, links)
    return SendGridSender(api_key, host=host, asm_group_id=asm_group_id, sandbox=sandbox)
