"""Automatic replies to the inbound requests a machine can answer — an invoice copy (the PDF
attached), a payment link, a PO number, a remittance advice acknowledged, an unsubscribe
(suppressed at once, confirmed once) — and everything else left to people.

Each request is decided once, the first time a run reads it in the day's triage
(marts.fct_inbound_requests), and the decision is kept in ``journeys.inbound_replies`` with the
message it answers; a re-run of the day, or the next day's re-triage of the same message, finds
it decided and does nothing. A reply is an ordinary row of ``journeys.outbox`` (journey
``reply``, a message id derived from the inbound id) rendered here, its PDFs in
``journeys.outbox_attachments``, and the daily delivery sends it exactly once like a reminder.

A reply only ever goes to the contact who wrote, when that contact is the customer's and
e-mailable (dim_contacts' suppression, plus the unsubscribes recorded here, which take effect at
once: the contact's pending messages are cancelled and the planner no longer sees the address as
e-mailable). The one message an unsubscribing contact still receives is its confirmation.

Left to people (status ``to_person``, with the reason; journeys/config/replies.yaml sets the
thresholds): a category not listed as answerable, a confidence below the threshold, a second
request in the same message, a request older than ``max_age_days``, a sender who is not a contact
of the customer, a suppressed contact, no invoice to answer with, or a reply that could not be
built (one bad row never stops the others).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from journeys import render, reply_content, store
from journeys.catalog import CONFIG_DIR, ConfigError
from journeys.schedule import not_before, send_day_of

log = logging.getLogger(__name__)

ANSWERABLE = ("invoice_copy", "payment_link", "po_number", "remittance_advice", "unsubscribe")
REQUESTS_SQL = """
    select r.inbound_id, r.customer_id, r.contact_id, r.received_at, r.category, r.secondary_category,
           r.confidence, r.language_code, m.subject, m.body
    from marts.fct_inbound_requests r join marts.fct_inbound_messages m using (inbound_id)
    where r.as_of_date = ? and r.inbound_id not in (select inbound_id from journeys.inbound_replies)
    order by r.received_at, r.inbound_id"""


@dataclass(frozen=True)
class ReplyConfig:
    categories: tuple[str, ...]
    min_confidence: float
    max_age_days: int
    max_invoices: int


def load_config(path: Path = CONFIG_DIR / "replies.yaml") -> ReplyConfig:
    raw = yaml.safe_load(path.read_text()) or {}
    unknown = set(raw.get("categories") or ()) - set(ANSWERABLE)
    if unknown:
        raise ConfigError(
            f"{path.name}: no automatic reply for {sorted(unknown)} (answerable: {', '.join(ANSWERABLE)})"
        )
    if not 0 <= float(raw.get("min_confidence", 1)) <= 1:
        raise ConfigError(f"{path.name}: min_confidence must lie between 0 and 1")
    return ReplyConfig(
        tuple(raw.get("categories") or ()),
        float(raw["min_confidence"]),
        int(raw["max_age_days"]),
        int(raw["max_invoices"]),
    )


@dataclass(frozen=True)
class Decision:
    status: str  # replied, unsubscribed, to_person
    reason: str
    invoices: pd.DataFrame | None = None  # what the reply is about (replied only)


@dataclass
class Report:
    replied: int = 0
    unsubscribed: int = 0
    to_person: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def reply_message_id(inbound_id: str) -> str:
    """One reply per inbound message, whatever run or category: the id is the message's."""
    return "rp-" + hashlib.sha256(str(inbound_id).encode()).hexdigest()[:20]


def _person(reason: str) -> Decision:
    return Decision("to_person", reason)


def triage_rule(request: dict, config: ReplyConfig, as_of: pd.Timestamp) -> Decision | None:
    """Why a person must read the request (None when the machine may answer it)."""
    category, secondary = request["category"], request.get("secondary_category")
    if category not in config.categories:
        return _person(f"{category} needs a person")
    confidence = float(request["confidence"]) if pd.notna(request["confidence"]) else 0.0
    if confidence < config.min_confidence:
        return _person(f"classified {category} at {confidence:.0%}, below {config.min_confidence:.0%}")
    if isinstance(secondary, str) and secondary and secondary != category:
        # one answer for two requests would drop one of them: a person answers both
        return _person(f"also asks for {secondary}: two requests for a person")
    age = (as_of + pd.Timedelta(days=1) - pd.Timestamp(request["received_at"])).days
    if age > config.max_age_days:
        return _person(f"received {age} days before the run, more than {config.max_age_days}")
    if not isinstance(request.get("contact_id"), str):
        return _person("the sender is not a known contact of the customer")
    return None


def decide(request: dict, contact: dict | None, invoices: pd.DataFrame, config: ReplyConfig, as_of) -> Decision:
    """What to do with one request: the rules in order, then what the reply would be about."""
    ruled = triage_rule(request, config, pd.Timestamp(as_of))
    if ruled is not None:
        return ruled
    if contact is None:
        return _person("the sender is not a contact of the message's customer")
    category = request["category"]
    emailable = bool(contact.get("is_emailable"))
    if category == "unsubscribe":
        if not emailable:
            return Decision("unsubscribed", "the address was already suppressed: nothing to confirm")
        return Decision("replied", "unsubscribed at once, confirmed once", invoices.iloc[:0])
    if not emailable:
        return _person("the contact is opted out or suppressed: no automatic e-mail")
    about = reply_content.invoices_asked_about(request, invoices, config.max_invoices)
    if category == "po_number":
        about = about[about.po_number.map(lambda p: isinstance(p, str) and bool(p.strip()))]
    if category in reply_content.NEEDS_INVOICES and about.empty:
        return _person(f"no invoice {'with a PO number ' if category == 'po_number' else ''}to answer with")
    return Decision("replied", f"{category} answered automatically", about.reset_index(drop=True))


def plan(
    con: duckdb.DuckDBPyConnection,
    as_of: str,
    brand: dict,
    config: ReplyConfig,
    unsubscribe_url=lambda customer_id: render.SENDGRID_UNSUBSCRIBE_TAG,
) -> Report:
    """Decide every request of the day's triage not decided yet and queue the replies; each
    request is committed on its own, so one that cannot be answered never stops the others."""
    store.ensure(con)
    requests = con.execute(REQUESTS_SQL, [as_of]).df()
    people = store.contacts_with_own_suppression(con, ["customer_id", "full_name"]).set_index("contact_id")
    report = Report()
    for request in requests.to_dict("records"):
        contact = people.loc[request["contact_id"]].to_dict() if request["contact_id"] in people.index else None
        if contact and contact["customer_id"] != request["customer_id"]:
            contact = None
        try:
            status = _answer(con, request, contact, as_of, brand, config, unsubscribe_url)
        except Exception as err:  # noqa: BLE001 — one request's failure must not cancel the day's others
            log.warning("reply to inbound %s not built: %s", request["inbound_id"], type(err).__name__)
            status = _record(con, request, as_of, _person(f"the reply could not be built ({type(err).__name__})"))
        setattr(report, status.status, getattr(report, status.status) + 1)
        report.reasons[status.reason] = report.reasons.get(status.reason, 0) + 1
    log.info("replies %s: %d replied, %d unsubscribed, %d to people", as_of, report.replied, report.unsubscribed,
             report.to_person)  # fmt: skip
    return report


def _answer(con, request: dict, contact: dict | None, as_of: str, brand: dict, config, unsubscribe_url) -> Decision:
    customer, invoices = reply_content.load(con, request["customer_id"]) if request["customer_id"] else ({}, None)
    invoices = invoices if invoices is not None else pd.DataFrame(columns=reply_content.INVOICE_COLUMNS)
    decision = decide(request, contact, invoices, config, as_of)
    if decision.status != "replied":
        return _record(con, request, as_of, decision)
    reply = reply_content.build(
        request,
        request["category"],
        customer,
        decision.invoices,
        brand,
        as_of,
        contact.get("full_name"),
        unsubscribe_url(request["customer_id"]),
    )
    con.execute("begin transaction")
    try:
        message_id = _queue(con, request, reply, customer, as_of)
        if request["category"] == "unsubscribe":
            _suppress(con, request["contact_id"], message_id)
        _record(con, request, as_of, decision, message_id)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return decision


def _queue(con, request: dict, reply: reply_content.Reply, customer: dict, as_of: str) -> str:
    """The reply as a pending outbox row (already rendered) and its attachments."""
    message_id = reply_message_id(request["inbound_id"])
    send_day = send_day_of(pd.Timestamp(as_of))
    lines = reply.invoices
    con.execute(
        """insert into journeys.outbox (message_id, as_of_date, send_day, customer_id, contact_id, channel, journey,
               step, tone, template, incentive, invoice_ids, currency_code, amount_due, language_code, send_at,
               status, subject, body_html, body_text, created_at)
           values (?, ?, ?, ?, ?, 'email', ?, ?, 'neutral', ?, 'none', ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)
           on conflict (message_id) do nothing""",
        [
            message_id, as_of, send_day.date(), request["customer_id"], request["contact_id"], store.REPLY_JOURNEY,
            request["category"], f"replies/{request['category']}", lines.invoice_id.astype(str).tolist(),
            str(lines.currency_code.iloc[0]) if len(lines) else None,
            float(lines.open_amount.sum()) if len(lines) else None,
            reply_content.language_for(request, customer), not_before(send_day).replace(tzinfo=None),
            reply.subject, reply.html, reply.text, datetime.now(UTC).replace(tzinfo=None),
        ],
    )  # fmt: skip
    for attachment in reply.attachments:
        con.execute(
            "insert into journeys.outbox_attachments values (?, ?, ?, ?) on conflict do nothing",
            [message_id, attachment.filename, attachment.mime_type, attachment.content],
        )
    return message_id


def _suppress(con, contact_id: str, confirmation_id: str) -> None:
    """At once: whatever else is still waiting for this address never leaves."""
    con.execute(
        """update journeys.outbox set status = 'cancelled', last_error = 'the contact unsubscribed by e-mail'
           where contact_id = ? and status = 'pending' and message_id <> ?""",
        [contact_id, confirmation_id],
    )


def _record(con, request: dict, as_of: str, decision: Decision, message_id: str | None = None) -> Decision:
    """The decision, with the inbound message it answers; a request decided before keeps its first."""
    con.execute(
        "insert into journeys.inbound_replies values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (inbound_id) do nothing",
        [
            request["inbound_id"], as_of, request["customer_id"],
            request["contact_id"], request["category"], decision.status, message_id, decision.reason,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )  # fmt: skip
    return decision


# Re-read what the day's run stored, independently of the decisions above (the asset's check).
CHECKS = {
    "reply_to_a_suppressed_contact": """
        select count(*) from journeys.outbox o join journeys.inbound_replies r on r.reply_message_id = o.message_id
        left join marts.dim_contacts c on c.contact_id = o.contact_id
        where o.as_of_date = $day and r.category <> 'unsubscribe' and not coalesce(c.is_emailable, false)""",
    "reply_to_another_customer": """
        select count(*) from journeys.outbox o join journeys.inbound_replies r on r.reply_message_id = o.message_id
        left join marts.dim_contacts c on c.contact_id = o.contact_id
        where o.as_of_date = $day and c.customer_id is distinct from r.customer_id""",
    "unsubscribe_confirmed_twice": """
        select count(*) from (select o.contact_id from journeys.outbox o
                              join journeys.inbound_replies r on r.reply_message_id = o.message_id
                              where r.category = 'unsubscribe' and o.status <> 'cancelled'
                              group by 1 having count(*) > 1)""",
    "reply_without_its_request": f"""
        select count(*) from journeys.outbox o
        where o.as_of_date = $day and o.journey = '{store.REPLY_JOURNEY}'
          and o.message_id not in (select reply_message_id from journeys.inbound_replies
                                   where reply_message_id is not null)""",
}


def violations(con: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, int]:
    """Breaches per rule among the day's stored replies (0 everywhere when compliant)."""
    store.ensure(con)
    return {
        rule: int(con.execute(query, {"day": as_of} if "$day" in query else {}).fetchone()[0])
        for rule, query in CHECKS.items()
    }
