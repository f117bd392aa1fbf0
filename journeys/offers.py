"""What a message offers and when it goes, with the reason people read in the contact list: the
models' picks when they have scored the customer, else what a credit manager would do."""

from __future__ import annotations

import pandas as pd

PLAN_FROM_DAYS_LATE = 30  # habitual delay from which instalments beat another plain reminder


def preferred_hour(invoice) -> tuple[float | None, str]:
    """The local hour to aim for: the send-time model's when it has scored the customer, else
    the hour the customer has most often opened our e-mails (people read at habitual times),
    else the policy's default hour."""
    for column, reason in (
        ("best_send_hour", "at the send-time model's best hour"),
        ("most_frequent_open_hour", "at the hour this customer usually reads e-mails"),
    ):
        value = invoice.get(column)
        if value is not None and pd.notna(value):
            return float(value), f"{reason} ({int(value)}:00 local)"
    return None, "at the default hour (no reading history)"


def offer_for(step_incentive: str, invoice) -> tuple[str, str]:
    """The offer of a step whose incentive is ``best``: the next-best-action model's pick, else
    what a credit manager offers without one — instalments to a customer who habitually pays a
    month late (the debt is a cash problem, not forgetfulness), a card link to one who pays by
    card (one click instead of a bank transfer), nothing otherwise."""
    if step_incentive != "best":
        return (
            step_incentive,
            "the journey step's incentive" if step_incentive != "none" else "no incentive at this step",
        )
    best = invoice.get("best_incentive")
    if isinstance(best, str) and best:
        return best, "next-best-action model's pick for this customer"
    if pd.notna(invoice.get("avg_days_late_365d")) and invoice["avg_days_late_365d"] >= PLAN_FROM_DAYS_LATE:
        return "payment_plan", (
            f"no next-best-action score yet: usually pays {invoice['avg_days_late_365d']:.0f} "
            "days late, offered instalments"
        )
    if invoice.get("dominant_method_90d") == "card":
        return "card_payment_link", "no next-best-action score yet: pays by card, offered a card payment link"
    return "none", "no next-best-action score yet: no incentive"


def why_customer(lead, invoice) -> str:
    parts = [f"segment {lead.segment} → journey {lead.journey}"]
    for column, label in (("payment_delay_risk", "P(>30 days late)"), ("self_cure_probability", "P(self-cure)")):
        value = invoice.get(column)
        if value is not None and pd.notna(value):
            parts.append(f"{label} {value:.2f}")
    return "; ".join(parts)
