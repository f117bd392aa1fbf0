"""Deliver the outbox: render each pending e-mail, then hand it to SendGrid (live) or write it
as an .eml file (dry-run, the default).

Exactly once: every message has a deterministic id and a status in ``journeys.outbox``. A
message is marked ``sending`` before the request and ``sent`` as soon as SendGrid accepts it,
each in its own commit, so a crash or a kill loses nothing and a re-run sends only what was
not accepted. The one window left is a crash after SendGrid accepted a request but before its
answer arrived: that message goes again (SendGrid offers no idempotency key).

No personal data leaves in categories or custom_args: only opaque ids, journey, step, variant.
Nothing here logs an address or a name.
"""

from __future__ import annotations

import email.message
import json
import logging
import time
import urllib.error
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from journeys import render, store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (1, 4, 15, 60)  # exponential-ish; a Retry-After header takes precedence
MIN_LEAD = timedelta(minutes=2)  # a send_at closer than this is sent at once instead
MAX_AHEAD = timedelta(hours=72)


class PermanentError(Exception):
    """SendGrid refused the message for a reason a retry will not fix (4xx other than 429)."""


class RetryableError(Exception):
    """Rate limit, server error or network failure that outlived every retry."""


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # message_id → detail


def error_detail(err) -> str:
    """SendGrid explains a refusal only in the response body (errors[].message / field)."""
    body = getattr(err, "body", b"") or b""
    try:
        errors = json.loads(body).get("errors", [])
        detail = "; ".join(f"{e.get('field') or 'request'}: {e.get('message')}" for e in errors)
    except (ValueError, AttributeError):
        detail = body.decode(errors="replace")[:500] if isinstance(body, bytes) else str(body)[:500]
    return f"HTTP {getattr(err, 'status_code', '?')}: {detail or getattr(err, 'reason', '')}"


def with_retries(call: Callable[[], object], sleep: Callable[[float], None] = time.sleep,
                 max_attempts: int = MAX_ATTEMPTS):
    """Run ``call``; retry 429, 5xx, timeouts and refused connections with backoff, honouring
    Retry-After; raise PermanentError at once for any other HTTP error."""
    from python_http_client.exceptions import HTTPError

    for attempt in range(1, max_attempts + 1):
        try:
            return call()
        except HTTPError as err:
            if err.status_code != 429 and err.status_code < 500:
                raise PermanentError(error_detail(err)) from err
            wait, last = _retry_after(err.headers) or BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1], error_detail(err)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            wait, last = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1], f"network: {err}"
        if attempt == max_attempts:
            raise RetryableError(last)
        log.info("SendGrid: retrying in %.0f s (attempt %d of %d): %s", wait, attempt + 1, max_attempts, last)
        sleep(wait)


def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


# ------------------------------------------------------------------ senders
class DryRunSender:
    """Writes each message as an .eml file (and the SendGrid request it would have made)."""

    live = False

    def __init__(self, folder: Path):
        self.folder = folder

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
        if send_at:
            eml["Date"] = send_at.strftime("%a, %d %b %Y %H:%M:%S +0000")
        eml.set_content(message["body_text"])
        eml.add_alternative(message["body_html"], subtype="html")
        (day / f"{message['message_id']}.eml").write_bytes(bytes(eml))
        return f"dry-run:{message['message_id']}"


class SendGridSender:
    """The official client; ``host`` points it at another server (tests, EU region)."""

    live = True

    def __init__(self, api_key: str, host: str = "https://api.sendgrid.com", asm_group_id: int | None = None,
                 sandbox: bool = False, sleep: Callable[[float], None] = time.sleep, timeout: float = 30):
        from sendgrid import SendGridAPIClient

        self.client = SendGridAPIClient(api_key=api_key, host=host)
        self.client.client.timeout = timeout  # the client waits forever by default
        self.asm_group_id, self.sandbox, self.sleep = asm_group_id, sandbox, sleep

    def batch_id(self, as_of: str) -> str:
        """A new batch id (POST /v3/mail/batch): cancelling it stops the day's scheduled sends."""
        response = with_retries(lambda: self.client.client.mail.batch.post(), self.sleep)
        return json.loads(response.body)["batch_id"]

    def mail(self, message: dict, recipient: dict, brand: dict, send_at: datetime | None, batch_id: str):
        from sendgrid.helpers.mail import (Asm, BatchId, Category, CustomArg, From, GroupId, GroupsToDisplay, Mail,
                                           MailSettings, Personalization, ReplyTo, SandBoxMode, SendAt, To)

        mail = Mail(from_email=From(brand["from_email"], brand["from_name"]), subject=message["subject"],
                    plain_text_content=message["body_text"], html_content=message["body_html"])
        personalization = Personalization()
        personalization.add_to(To(recipient["email"], recipient.get("name") or None))
        mail.add_personalization(personalization)
        mail.reply_to = ReplyTo(brand["reply_to"])
        mail.batch_id = BatchId(batch_id)
        if send_at is not None:
            mail.send_at = SendAt(int(send_at.timestamp()))
        # Opaque values only: these are echoed in every webhook event and kept by SendGrid.
        mail.category = [Category("relance-reminder"), Category(f"journey-{message['journey']}")]
        for key in ("message_id", "journey", "step", "variant", "customer_id"):
            mail.custom_arg = CustomArg(key, str(message.get(key) or ""))
        group = self.asm_group_id or brand.get("unsubscribe_group_id")
        if group:
            mail.asm = Asm(GroupId(int(group)), GroupsToDisplay([int(group)]))
        if self.sandbox:
            settings = MailSettings()
            settings.sandbox_mode = SandBoxMode(True)
            mail.mail_settings = settings
        return mail

    def send(self, message: dict, recipient: dict, brand: dict, send_at: datetime | None, batch_id: str) -> str:
        mail = self.mail(message, recipient, brand, send_at, batch_id)
        response = with_retries(lambda: self.client.send(mail), self.sleep)
        return response.headers.get("X-Message-Id", "") if response.headers else ""


# ------------------------------------------------------------------ outbox
def render_pending(con: duckdb.DuckDBPyConnection, brand: dict) -> int:
    """Fill subject and bodies of pending e-mails that have none yet (ERP details of the day)."""
    pending = con.execute("""select * from journeys.outbox where channel = 'email' and status = 'pending'
                             and subject is null""").df()
    if pending.empty:
        return 0
    invoices = con.execute("""select invoice_id, po_number, due_date, open_amount::DOUBLE as open_amount
                              from marts.fct_invoices where invoice_id in (select unnest(?))""",
                           [sorted({i for ids in pending.invoice_ids for i in ids.split(",")})]).df().set_index("invoice_id")
    names = _recipients(con, pending.contact_id.tolist())
    account = con.execute("select customer_id, account_owner from marts.dim_customer_360").df().set_index("customer_id")
    for row in pending.to_dict("records"):
        row["account_owner"] = account.account_owner.get(row["customer_id"])
        row["max_days_past_due"] = int((pd.Timestamp(row["send_day"]) - invoices.due_date.reindex(
            row["invoice_ids"].split(",")).pipe(pd.to_datetime)).dt.days.max())
        lines = invoices.reindex(row["invoice_ids"].split(",")).reset_index().assign(due_date=lambda f: pd.to_datetime(f.due_date))
        out = render.render(row, lines, brand, names.get(row["contact_id"], {}).get("name"))
        con.execute("update journeys.outbox set subject = ?, body_html = ?, body_text = ? where message_id = ?",
                    [out.subject, out.html, out.text, row["message_id"]])
    return len(pending)


def _recipients(con: duckdb.DuckDBPyConnection, contact_ids: list[str]) -> dict[str, dict]:
    rows = con.execute("select contact_id, email, full_name from staging.stg_erp__contacts where contact_id in (select unnest(?))",
                       [contact_ids]).fetchall()
    return {cid: {"email": mail, "name": name} for cid, mail, name in rows}


def _batch_id(con: duckdb.DuckDBPyConnection, sender, as_of: str) -> str:
    """One batch per daily run and mode, kept so that a re-run of the day reuses it."""
    con.execute("create table if not exists journeys.delivery_batches (as_of_date DATE, live BOOLEAN, batch_id VARCHAR)")
    found = con.execute("select batch_id from journeys.delivery_batches where as_of_date = ? and live = ?",
                        [as_of, sender.live]).fetchall()
    if found:
        return found[0][0]
    batch = sender.batch_id(as_of)
    con.execute("insert into journeys.delivery_batches values (?, ?, ?)", [as_of, sender.live, batch])
    return batch


def deliver(con: duckdb.DuckDBPyConnection, sender, brand: dict, as_of: str, now: datetime | None = None) -> Report:
    """Send every pending (or interrupted) e-mail of the as-of day whose time has come within
    SendGrid's 72 hours; each outcome is committed before the next message."""
    store.ensure(con)
    render_pending(con, brand)
    now = now or datetime.now(timezone.utc)
    due = con.execute("""select * from journeys.outbox where channel = 'email' and as_of_date = ?
                         and status in ('pending', 'sending') order by send_at, message_id""", [as_of]).df()
    report = Report()
    if due.empty:
        return report
    batch = _batch_id(con, sender, as_of)
    recipients = _recipients(con, due.contact_id.tolist())
    for row in due.to_dict("records"):
        send_at = pd.Timestamp(row["send_at"]).tz_localize("UTC").to_pydatetime()
        if send_at - now > MAX_AHEAD:
            report.deferred += 1
            continue
        recipient = recipients.get(row["contact_id"])
        if recipient is None or not recipient["email"]:
            _finish(con, row["message_id"], "failed", error="the contact has no e-mail address any more")
            report.failed += 1
            continue
        con.execute("update journeys.outbox set status = 'sending', attempts = attempts + 1, batch_id = ? "
                    "where message_id = ?", [batch, row["message_id"]])
        try:
            provider_id = sender.send(row, recipient, brand, send_at if send_at - now > MIN_LEAD else None, batch)
        except PermanentError as err:
            _finish(con, row["message_id"], "failed", error=str(err))
            report.failed += 1
            report.errors[row["message_id"]] = str(err)
            continue
        except RetryableError as err:
            _finish(con, row["message_id"], "pending", error=str(err))
            report.deferred += 1
            report.errors[row["message_id"]] = str(err)
            continue
        _finish(con, row["message_id"], "sent" if sender.live else "dry_run", provider_id=provider_id,
                delivered_at=max(send_at, now))
        report.sent += 1
    log.info("delivery %s: %d sent, %d failed, %d deferred", as_of, report.sent, report.failed, report.deferred)
    return report


def _finish(con, message_id: str, status: str, error: str | None = None, provider_id: str | None = None,
            delivered_at: datetime | None = None) -> None:
    con.execute("""update journeys.outbox set status = ?, last_error = coalesce(?, last_error),
                   provider_message_id = coalesce(?, provider_message_id), delivered_at = ? where message_id = ?""",
                [status, error, provider_id, delivered_at.replace(tzinfo=None) if delivered_at else None, message_id])


def make_sender(outbox_dir: Path, api_key: str | None = None, host: str = "https://api.sendgrid.com",
                asm_group_id: int | None = None, sandbox: bool = False):
    """Live through SendGrid when ``api_key`` is given (``host`` for another server or region,
    ``sandbox`` to validate without sending, ``asm_group_id`` for the unsubscribe group);
    otherwise dry-run into ``outbox_dir``. The key is never logged."""
    if not api_key:
        return DryRunSender(outbox_dir)
    return SendGridSender(api_key, host=host, asm_group_id=asm_group_id, sandbox=sandbox)
