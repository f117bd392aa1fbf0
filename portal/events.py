"""What a customer did in the portal, as events: landed as files by the app, ingested by the run.

The app writes one JSON file per action under ``<events dir>/<UTC day>/<event id>.json`` (a temp
file renamed into place, so the ingest never reads half a file) and never touches the warehouse,
which the pipeline may be writing. ``ingest`` loads the files into ``journeys.portal_events``
exactly once (the event id is the key, so a file read twice after a crash adds nothing) and
validates each event on its own with the same rules the app used: a malformed file is set aside
in ``rejected/`` with its reason and recorded in ``journeys.portal_event_rejects``, and the
others land. The promise, dispute and suppression handling reads the table, by ``kind``
(dbt: int_customer_commitments, int_contacts_unioned, fct_payment_plan_requests):

- ``promise_to_pay``  invoice_id, payload {promised_date, amount}
- ``payment_plan``    payload {installments, first_date, note}
- ``dispute``         invoice_id, payload {reason, comment}
- ``billing_contact`` payload {name, email, phone}
- ``unsubscribe``     payload {}
- ``pay_redirect``    invoice_id, payload {amount, currency_code} (sent to the payment page)

A portal promise counts as confirmed, whatever RELANCE_AUTO_ACCEPT_TEXT_PROMISES says: the customer
typed its date and amount through a signed link scoped to them, so there is nothing for a person to
interpret (a promise read in an e-mail is the machine's reading, hence pending by default). A dispute
pauses its invoice at the next run; a payment-plan request routes the customer to a person until
someone accepts or declines it in the cockpit; a billing contact becomes the customer's primary
contact and the one it replaces is kept, suppressed as replaced_by_customer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import pandas as pd

log = logging.getLogger(__name__)

DISPUTE_REASONS = ("not_received", "wrong_amount", "quality", "already_paid", "duplicate", "other")
MAX_TEXT = 1000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TABLE_DDL = """create table if not exists journeys.portal_events (
    event_id VARCHAR PRIMARY KEY, customer_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, invoice_id VARCHAR,
    payload JSON NOT NULL, occurred_at TIMESTAMP NOT NULL, source_file VARCHAR NOT NULL)"""
REJECTS_DDL = """create table if not exists journeys.portal_event_rejects (
    source_file VARCHAR, reason VARCHAR, rejected_at TIMESTAMP)"""
COLUMNS = ["event_id", "customer_id", "kind", "invoice_id", "payload", "occurred_at", "source_file"]


class InvalidEvent(ValueError):
    """An action that cannot be recorded, with a reason that names no personal data."""


def _amount(value) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation as err:
        raise InvalidEvent("amount is not a number") from err
    if not number.is_finite() or number <= 0 or number != number.quantize(Decimal("0.01")):
        raise InvalidEvent("amount must be positive with at most two decimals")
    return f"{number:.2f}"


def _date(value) -> str:
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as err:
        raise InvalidEvent("not a date (YYYY-MM-DD)") from err


def _text(value, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidEvent("a required field is empty")
    if len(text) > MAX_TEXT:
        raise InvalidEvent(f"text longer than {MAX_TEXT} characters")
    return text


def _installments(value) -> int:
    if not str(value).isdigit() or not 2 <= int(value) <= 24:
        raise InvalidEvent("installments must be between 2 and 24")
    return int(value)


def _reason(value) -> str:
    if value not in DISPUTE_REASONS:
        raise InvalidEvent("unknown dispute reason")
    return value


def _email(value) -> str:
    text = _text(value, required=True)
    if not EMAIL.match(text):
        raise InvalidEvent("not an e-mail address")
    return text


# kind -> (needs an invoice, {payload field: normaliser}); the one definition of an event's shape.
KINDS = {
    "promise_to_pay": (True, {"promised_date": _date, "amount": _amount}),
    "payment_plan": (False, {"installments": _installments, "first_date": _date, "note": _text}),
    "dispute": (True, {"reason": _reason, "comment": _text}),
    "billing_contact": (False, {"name": lambda v: _text(v, True), "email": _email, "phone": _text}),
    "unsubscribe": (False, {}),
    "pay_redirect": (True, {"amount": _amount, "currency_code": lambda v: _text(v, True)}),
}


def normalise(kind: str, invoice_id: str | None, fields: dict) -> dict:
    """The payload of one action, each field checked and normalised; raises InvalidEvent."""
    if kind not in KINDS:
        raise InvalidEvent("unknown kind")
    needs_invoice, shape = KINDS[kind]
    if needs_invoice != bool(invoice_id):
        raise InvalidEvent("an invoice is required" if needs_invoice else "no invoice expected")
    unknown = set(fields) - set(shape)
    if unknown:
        raise InvalidEvent(f"unexpected fields: {sorted(unknown)}")
    return {name: check(fields.get(name)) for name, check in shape.items()}


def write(events_dir: Path, customer_id: str, kind: str, invoice_id: str | None, fields: dict, now: dt.datetime) -> str:
    """Land one validated action as ``<events dir>/<UTC day>/<event id>.json``; returns the id."""
    event = {
        "event_id": str(uuid.uuid4()),
        "customer_id": customer_id,
        "kind": kind,
        "invoice_id": invoice_id,
        "payload": normalise(kind, invoice_id, fields),
        "occurred_at": now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
    }
    folder = Path(events_dir) / now.astimezone(dt.UTC).date().isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        json.dump(event, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, folder / f"{event['event_id']}.json")
    return event["event_id"]


def parse(path: Path) -> dict:
    """One landed event as a row, checked with the rules the app applied; raises InvalidEvent."""
    try:
        event = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as err:
        raise InvalidEvent(f"not JSON: {type(err).__name__}") from err
    if not isinstance(event, dict) or set(event) != set(COLUMNS) - {"source_file"}:
        raise InvalidEvent("not an event object with exactly the expected keys")
    try:
        event_id = str(uuid.UUID(str(event["event_id"])))
        occurred = dt.datetime.fromisoformat(str(event["occurred_at"]))
    except ValueError as err:
        raise InvalidEvent("event_id is not a UUID or occurred_at not a timestamp") from err
    if event_id != path.stem:
        raise InvalidEvent("event_id differs from the file name")
    if not isinstance(event["customer_id"], str) or not event["customer_id"]:
        raise InvalidEvent("no customer_id")
    if not isinstance(event["payload"], dict):
        raise InvalidEvent("payload is not an object")
    payload = normalise(str(event["kind"]), event["invoice_id"], event["payload"])
    return {
        "event_id": event_id,
        "customer_id": event["customer_id"],
        "kind": event["kind"],
        "invoice_id": event["invoice_id"],
        "payload": json.dumps(payload, sort_keys=True),
        "occurred_at": occurred.replace(tzinfo=None),
        "source_file": path.name,
    }


@dataclass
class IngestReport:
    files: int = 0
    new: int = 0
    rejected: int = 0


def ingest(con: duckdb.DuckDBPyConnection, events_dir: Path) -> IngestReport:
    """Load every landed portal event into ``journeys.portal_events`` once; move each file to
    ``ingested/`` after its row is committed, or to ``rejected/`` (with a reason) if invalid."""
    con.execute("create schema if not exists journeys")
    con.execute(TABLE_DDL)
    con.execute(REJECTS_DDL)
    events_dir, report = Path(events_dir), IngestReport()
    for path in sorted(events_dir.glob("????-??-??/*.json")):
        try:
            row = parse(path)
        except InvalidEvent as err:
            con.execute(
                "insert into journeys.portal_event_rejects values (?, ?, now()::TIMESTAMP)", [path.name, str(err)]
            )
            target = _move(path, events_dir / "rejected")
            target.with_suffix(".reason.txt").write_text(f"{err}\n")
            report.rejected += 1
            continue
        con.register("landed", pd.DataFrame([row], columns=COLUMNS))
        before = con.execute("select count(*) from journeys.portal_events").fetchall()[0][0]
        con.execute("insert into journeys.portal_events by name select * from landed on conflict (event_id) do nothing")
        con.unregister("landed")
        report.new += con.execute("select count(*) from journeys.portal_events").fetchall()[0][0] - before
        report.files += 1
        _move(path, events_dir / "ingested")
    if report.rejected:
        log.warning("portal events: %d file(s) rejected (journeys.portal_event_rejects)", report.rejected)
    return report


def _move(path: Path, root: Path) -> Path:
    target = root / path.parent.name / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    path.replace(target)
    return target
