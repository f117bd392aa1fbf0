"""Contact rules enforced on every send, whatever a journey says.

Each rule has a code; when it blocks a send, the send and the code are recorded (``Blocked``)
so that "why was this customer (not) contacted?" always has an answer. Rules on an invoice
(data quarantine, dispute, promise, block, fresh invoice) take the invoice out of a message; rules
on a message (opt-out, spacing, weekly cap, owner notice, calendar) stop the whole message.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from erp.vocabulary import CUSTOMER_FACING
from journeys.catalog import Policy

RULES = {
    "data_quarantine": "the customer's figures break an invariant (dim_customer_360.quarantine_reason): not dunned "
    "until the data is fixed",
    "open_dispute": "the invoice is in an open dispute: no dunning until it is resolved",
    "promise_pending": "the customer promised to pay this invoice on a date not yet passed",
    "invoice_block": "a dunning block on the invoice (reason and end date in journeys.dunning_blocks)",
    "customer_block": "a dunning block on the customer (reason and end date in journeys.dunning_blocks)",
    "too_soon_after_invoice": "the invoice was issued too recently for a reminder",
    "call_cap_per_debt": "the stricter profile's cap on call attempts per debt in 7 days is reached",
    "no_reachable_contact": "no contact can be e-mailed: opted out, unsubscribed, bounced or no address",
    "one_touch_per_day": "the customer already gets another message (any channel) that day",
    "min_spacing": "another reminder reached the customer too recently (first 60 days past due)",
    "weekly_cap": "the customer already had the weekly maximum of touches, all channels",
    "owner_notice_pending": "the account owner is told before a firm or final message; sent tomorrow at the earliest",
    "weekend": "the send day is a weekend day in the contact's time zone",
    "public_holiday": "the send day is a public holiday in the customer's country",
    "beyond_72h": "no allowed send slot within SendGrid's 72-hour scheduling limit",
    "experiment_holdout": "held out of reminders by the experiment (measures what reminders change)",
}


def active_blocks(blocks: pd.DataFrame, day: pd.Timestamp) -> tuple[dict[str, str], dict[str, str]]:
    """(customer blocks, invoice blocks) in force on ``day``: id → reason."""
    live = blocks[blocks.until.isna() | (pd.to_datetime(blocks.until) >= day)]
    customer = live[live.invoice_id.isna()]
    invoice = live[live.invoice_id.notna()]
    return dict(zip(customer.customer_id, customer.reason, strict=False)), dict(
        zip(invoice.invoice_id, invoice.reason, strict=False)
    )


def invoice_rule(
    row: pd.Series,
    invoice_id: str,
    channel: str,
    policy: Policy,
    send_day: pd.Timestamp,
    invoice_blocks: dict,
    calls_7d: dict,
) -> tuple[str, str] | None:
    """The first rule that keeps this invoice out of a message (or an escalation), if any. A
    quarantined customer is flagged on each of its invoices, so every one of them is skipped."""
    if row.is_quarantined:
        return "data_quarantine", str(row.quarantine_reason)
    if row.is_in_dispute:
        return "open_dispute", _dispute_detail(row)
    if row.has_active_promise and pd.notna(row.promise_date) and row.promise_date >= send_day:
        return "promise_pending", f"promised for {row.promise_date:%Y-%m-%d}"
    if invoice_id in invoice_blocks:
        return "invoice_block", str(invoice_blocks[invoice_id])
    if channel in CUSTOMER_FACING and (send_day - row.issue_date).days < policy.days_after_invoice_email:
        return "too_soon_after_invoice", f"issued {row.issue_date:%Y-%m-%d}"
    if (
        channel == "call"
        and policy.max_calls_per_debt_7d is not None
        and calls_7d.get(invoice_id, 0) >= policy.max_calls_per_debt_7d
    ):
        return "call_cap_per_debt", f"{calls_7d[invoice_id]} calls in 7 days"
    return None


def _dispute_detail(row: pd.Series) -> str:
    """The block's detail names the dispute's reason and who opened it (the ERP, the portal or an
    e-mail), when the book carries them."""
    reason, source = row.get("dispute_reason"), row.get("dispute_source")
    if pd.isna(reason):
        return "dispute open"
    return f"dispute open: {reason}" + ("" if pd.isna(source) else f" ({source})")


def reachable_contact(contacts: pd.DataFrame, channel: str = "email") -> pd.DataFrame:
    """Per customer, the contact a reminder goes to: the primary contact if it can be reached,
    else a billing / accounts-payable contact, else any other that can. E-mail goes only to a
    contact dbt's suppression model calls emailable (an address, and no opt-out, unsubscribe,
    spam report or unresolved bounce: dim_contacts.is_emailable, what the 360 counts too);
    calls go to any contact."""
    ok = pd.Series(True, index=contacts.index)
    if channel == "email":
        ok = contacts.is_emailable.fillna(False).astype(bool)
    rank = (~contacts.is_primary.fillna(False).astype(bool)).astype(int) * 2 + (
        ~contacts.role.isin(["billing", "accounts_payable"])
    ).astype(int)
    best = contacts[ok].assign(_rank=rank[ok]).sort_values(["customer_id", "_rank", "contact_id"])
    return best.drop_duplicates("customer_id").set_index("customer_id")


STOP_REQUESTS = ("opted_out", "unsubscribed", "spam_report")  # int_contacts_suppression's reasons


def asked_to_stop(contacts: pd.DataFrame) -> set[str]:
    """Customers one of whose contacts asked for no more reminders (an opt-out, an unsubscribe, a
    spam report), as opposed to an address missing or bouncing: by default no letter replaces
    the e-mail they stopped. A hand-built contacts frame without reasons has no such request."""
    reasons = contacts.get("suppression_reason", pd.Series(None, index=contacts.index, dtype=object))
    return set(contacts.customer_id[reasons.isin(STOP_REQUESTS)])


def firm_tone_allowed(policy: Policy, max_days_past_due: int) -> bool:
    return max_days_past_due >= policy.firm_tone_from_dpd


def recent_touches(history: pd.DataFrame, since: pd.Timestamp) -> pd.DataFrame:
    """The customer-facing touches of ``history`` (one customer's) sent since ``since``."""
    h = history[history.sent_at >= since]
    return h[h.channel.isin(CUSTOMER_FACING)].drop_duplicates("message_id")


def quarantine_summary(invoices: pd.DataFrame) -> dict:
    """Customers of the book the planner skips for broken invariants, and how many per invariant
    (run metadata: the run says what it skipped and why, without naming anyone)."""
    flagged = invoices[invoices.is_quarantined].drop_duplicates("customer_id")
    invariants = Counter(part.split(":")[0] for text in flagged.quarantine_reason for part in str(text).split("; "))
    return {"quarantined_customers": len(flagged), "by_invariant": dict(invariants.most_common())}
