"""SendGrid over HTTP: the official client, what its errors mean, and retries that cannot send a
message twice nor stall a run.

A request is retried only when SendGrid certainly did not take it: it answered 429 or 5xx, or the
connection failed before the request was sent (urllib wraps those in ``URLError``). A timeout or a
dropped connection *after* the request went out may hide an accept — SendGrid has no idempotency
key — so it raises ``InDoubtError`` and the outbox reconciles the message from the Event Webhook
before anything is resent (journeys/outcomes.py).

Waiting is bounded: each call and the whole run get a time budget, ``Retry-After`` is parsed
defensively (seconds or an HTTP-date; anything else falls back to the backoff) and a server asking
for more than ``MAX_RETRY_AFTER`` defers the message to the next run instead of holding this one.

The client logs every request header at DEBUG, the API key included, and the payload with the
recipient's address: a filter on its logger masks both at every level, whatever the handlers.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import logging
import math
import re
import time
import urllib.error
from collections.abc import Callable
from datetime import UTC, datetime

from journeys.store import REPLY_JOURNEY

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (1, 4, 15, 60)  # exponential-ish; a Retry-After header takes precedence
MAX_RETRY_AFTER = 60.0
RUN_BUDGET_SECONDS = 120.0
CALL_BUDGET_SECONDS = 60.0
CLIENT_LOGGER = "python_http_client.client"


class PermanentError(Exception):
    """SendGrid refused the message for a reason a retry will not fix (4xx other than 429)."""


class RetryableError(Exception):
    """Not accepted in this run (rate limit, server error, network) within its budget: the message
    stays pending for the next run."""


class InDoubtError(Exception):
    """The request went out but its answer was lost: SendGrid may have accepted it."""


class RetryBudget:
    """Seconds a run may spend on failing calls (attempts and waits), and one call at most."""

    def __init__(
        self,
        total: float = RUN_BUDGET_SECONDS,
        per_call: float = CALL_BUDGET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total, self.per_call, self.clock, self.used = total, per_call, clock, 0.0


def error_detail(err) -> str:
    """SendGrid explains a refusal only in the response body (errors[].message / field)."""
    body = getattr(err, "body", b"") or b""
    try:
        errors = json.loads(body).get("errors", [])
        detail = "; ".join(f"{e.get('field') or 'request'}: {e.get('message')}" for e in errors)
    except (ValueError, AttributeError):
        detail = body.decode(errors="replace")[:500] if isinstance(body, bytes) else str(body)[:500]
    return f"HTTP {getattr(err, 'status_code', '?')}: {detail or getattr(err, 'reason', '')}"


def retry_after(headers, now: Callable[[], float] = time.time) -> float | None:
    """Seconds SendGrid asks us to wait, or None when the header is absent or makes no sense
    (``inf``, ``nan``, negative, garbage) and the backoff applies."""
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return max(when.timestamp() - now(), 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _backoff(attempt: int) -> float:
    return BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]


def with_retries(
    call: Callable[[], object],
    sleep: Callable[[float], None] = time.sleep,
    budget: RetryBudget | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    idempotent: bool = False,
):
    """Run ``call``; retry what SendGrid certainly did not accept, within the budget. A lost answer
    raises InDoubtError unless the call is ``idempotent`` (then it is retried like the rest)."""
    from python_http_client.exceptions import HTTPError

    budget = budget or RetryBudget()
    if budget.used >= budget.total:
        raise RetryableError("the run's retry budget is spent: deferred to the next run")
    started, failed = budget.clock(), False
    try:
        for attempt in range(1, max_attempts + 1):
            try:
                return call()
            except HTTPError as err:
                if err.status_code != 429 and err.status_code < 500:
                    raise PermanentError(error_detail(err)) from err
                failed, asked, last = True, retry_after(err.headers), error_detail(err)
                if asked is not None and asked > MAX_RETRY_AFTER:
                    raise RetryableError(
                        f"{last}; SendGrid asks to wait {asked:.0f} s: deferred to the next run"
                    ) from err
                wait = _backoff(attempt) if asked is None else asked
            except urllib.error.URLError as err:  # failed before the request was sent: nothing accepted
                failed, wait, last = True, _backoff(attempt), f"network: {err.reason}"
            except (TimeoutError, ConnectionError, http.client.HTTPException) as err:
                failed = True
                if not idempotent:
                    raise InDoubtError(
                        f"no answer after the request was sent ({type(err).__name__}): SendGrid may have accepted it"
                    ) from err
                wait, last = _backoff(attempt), f"network: {type(err).__name__}"
            elapsed = budget.clock() - started
            if attempt == max_attempts:
                raise RetryableError(last)
            if elapsed + wait > budget.per_call or budget.used + elapsed + wait > budget.total:
                raise RetryableError(f"{last}; retry budget spent: deferred to the next run")
            log.info("SendGrid: retrying in %.0f s (attempt %d of %d): %s", wait, attempt + 1, max_attempts, last)
            sleep(wait)
    finally:
        if failed:  # calls that succeed at once cost the budget nothing
            budget.used += budget.clock() - started


class KeyMask(logging.Filter):
    """Masks API keys and bearer tokens, and withholds payloads (they hold the recipient's address)."""

    TOKENS = re.compile(r"(?i)(bearer\s+)[^\s'\",}]+|SG\.[\w-]+\.[\w-]+")

    def __init__(self):
        super().__init__()
        self.secrets: set[str] = set()

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[masked]")
        return self.TOKENS.sub(lambda m: (m.group(1) or "") + "[masked]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        masked = "PAYLOAD: [withheld]" if message.startswith("PAYLOAD:") else self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


MASK = KeyMask()


def protect(api_key: str) -> None:
    """Mask ``api_key`` in the client's log records (added once, before any handler sees them)."""
    MASK.secrets.add(api_key)
    logger = logging.getLogger(CLIENT_LOGGER)  # a logger's filters see its records before any handler does
    if MASK not in logger.filters:
        logger.addFilter(MASK)


class SendGridSender:
    """The official client; ``host`` points it at another server (tests, EU region). One sender
    per run: it carries the run's retry budget."""

    live = True
    links = None  # SendGrid's unsubscribe group fills the body's link and adds its one-click headers

    def __init__(
        self,
        api_key: str,
        host: str = "https://api.sendgrid.com",
        asm_group_id: int | None = None,
        sandbox: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30,
        budget: RetryBudget | None = None,
    ):
        from sendgrid import SendGridAPIClient

        protect(api_key)
        self.client = SendGridAPIClient(api_key=api_key, host=host)
        self.client.client.timeout = timeout  # the client waits forever by default
        self.asm_group_id, self.sandbox, self.sleep = asm_group_id, sandbox, sleep
        self.budget = budget or RetryBudget()

    def batch_id(self, as_of: str) -> str:
        """A new batch id (POST /v3/mail/batch): cancelling it stops the day's scheduled sends. A
        duplicate batch is harmless, so a lost answer is simply retried."""
        response = with_retries(lambda: self.client.client.mail.batch.post(), self.sleep, self.budget, idempotent=True)
        return json.loads(response.body)["batch_id"]

    def mail(self, message: dict, recipient: dict, brand: dict, send_at: datetime | None, batch_id: str):
        from sendgrid.helpers.mail import (
            Asm,
            Attachment,
            BatchId,
            Category,
            CustomArg,
            Disposition,
            FileContent,
            FileName,
            FileType,
            From,
            GroupId,
            GroupsToDisplay,
            Mail,
            MailSettings,
            Personalization,
            ReplyTo,
            SandBoxMode,
            SendAt,
            To,
        )

        mail = Mail(
            from_email=From(brand["from_email"], brand["from_name"]),
            subject=message["subject"],
            plain_text_content=message["body_text"],
            html_content=message["body_html"],
        )
        personalization = Personalization()
        personalization.add_to(To(recipient["email"], recipient.get("name") or None))
        mail.add_personalization(personalization)
        mail.reply_to = ReplyTo(brand["reply_to"])
        mail.batch_id = BatchId(batch_id)
        if send_at is not None:
            mail.send_at = SendAt(int(send_at.timestamp()))
        for file in message.get("attachments") or ():
            mail.add_attachment(
                Attachment(
                    FileContent(base64.b64encode(bytes(file["content"])).decode("ascii")),
                    FileName(file["filename"]),
                    FileType(file["mime_type"]),
                    Disposition("attachment"),
                )
            )
        # Opaque values only: these are echoed in every webhook event and kept by SendGrid.
        kind = "relance-reply" if message.get("journey") == REPLY_JOURNEY else "relance-reminder"
        mail.category = [Category(kind), Category(f"journey-{message['journey']}")]
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
        response = with_retries(lambda: self.client.send(mail), self.sleep, self.budget)
        return response.headers.get("X-Message-Id", "") if response.headers else ""
