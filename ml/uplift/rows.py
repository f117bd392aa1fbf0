"""The randomised rows the uplift model learns from, and their point-in-time features.

The legacy policy (erp/simulator/history.py, as seen in the contact history) sent a first
reminder to every overdue invoice a few days past due, with an incentive drawn at random, and
held a random 15 % of customers out of reminders for a whole quarter. So, at the first
reminder's day, every invoice still unpaid and not in dispute is one randomised unit:
  - reminded (journey "legacy", first step): its arm is the incentive ("reminder" when none);
  - never reminded at all although eligible: its customer was held out, its arm is "none".
Eligibility (unpaid at that day, not in dispute) is the same test for both arms and does not
depend on the outcome, so no selection bias creeps in (unlike a "got no reminder" filter).
The arm shares in these rows are the propensities (constant: the draw ignored the customer).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.history import build_features, events_before
from ml.uplift import actions as act

LEGACY_JOURNEY = "legacy"
FIRST_STEP = "dpd_3"
FIRST_STEP_DAYS = 3
RESPONSE_WAIT = pd.Timedelta(days=8)  # a touch's paid_within_7d is known a week after it
INCENTIVES = ("none", "early_pay_discount", "late_fee_warning", "payment_plan", "card_payment_link")
RESPONSE_FEATURES = [f"resp_{i}" for i in INCENTIVES]
FEATURES_ADDED = ["card_share", *RESPONSE_FEATURES]


def first_step_day(due_date: pd.Series) -> pd.Series:
    """The legacy first reminder's day: three days past due, moved from a weekend to Monday."""
    day = due_date + pd.Timedelta(days=FIRST_STEP_DAYS)
    return day + pd.to_timedelta(np.select([day.dt.weekday == 5, day.dt.weekday == 6], [2, 1], 0), unit="D")


def in_dispute(invoices: pd.DataFrame, disputes: pd.DataFrame, day: pd.Series) -> pd.Series:
    d = disputes.merge(invoices[["invoice_id"]].assign(day=day.to_numpy()), on="invoice_id")
    hit = d[(d.opened_on <= d.day) & (d.resolved_on.isna() | (d.day < d.resolved_on))]
    return invoices.invoice_id.isin(hit.invoice_id)


def randomised(data: dict, window_days: int, known_until: pd.Timestamp) -> pd.DataFrame:
    """Invoices at their first legacy reminder day with their arm and label (paid within
    ``window_days``), whose window closed before ``known_until``."""
    inv, touches = data["invoices"], data["touches"]
    legacy = touches[touches.journey == LEGACY_JOURNEY]
    if legacy.empty:
        return inv.head(0).assign(as_of=pd.NaT, arm="", label=0, label_known_at=pd.NaT)
    day = first_step_day(inv.due_date)
    eligible = (
        (inv.settled_on.isna() | (inv.settled_on > day))
        & ~inv.credited_by_dispute
        & ~in_dispute(inv, data["disputes"], day)
        & (day < legacy.sent_at.max().normalize())
        & (day + pd.Timedelta(days=window_days) < known_until)
    )
    first = legacy[legacy.journey_step == FIRST_STEP].sort_values("sent_at").drop_duplicates("invoice_id")
    incentive = inv.invoice_id.map(first.set_index("invoice_id").incentive.fillna("none"))
    reminded, never_touched = inv.invoice_id.isin(first.invoice_id), ~inv.invoice_id.isin(touches.invoice_id)
    arm = pd.Series(
        np.select([reminded, never_touched], [incentive.replace({"none": act.REMINDER}), act.NO_ACTION], ""),
        index=inv.index,
    )
    keep = eligible & (arm != "")
    rows = inv[keep].assign(as_of=day[keep], arm=arm[keep].astype(str))
    paid_by = rows.as_of + pd.Timedelta(days=window_days)
    label = (rows.settled_on.notna() & (rows.settled_on <= paid_by)).astype(int)
    return rows.assign(label=label, label_known_at=paid_by + pd.Timedelta(days=1))


def features(data: dict, rows: pd.DataFrame) -> pd.DataFrame:
    """The invoice-history features, how often the customer paid by card, its past response to
    each incentive (paid within 7 days of a touch carrying it) and the amount due."""
    x = build_features(rows, data)
    methods = data["payment_methods"].assign(card=lambda f: (f.payment_method == "card").astype(float))
    paid = events_before(rows, methods, "customer_id", "payment_date", "n")
    x["card_share"] = (events_before(rows, methods, "customer_id", "payment_date", "card", value="card") / paid).where(
        paid > 0
    )
    touches = data["touches"].dropna(subset=["paid_within_7d"])
    touches = touches.assign(known_at=touches.sent_at + RESPONSE_WAIT)
    for incentive, column in zip(INCENTIVES, RESPONSE_FEATURES, strict=True):
        mine = touches[touches.incentive.fillna("none") == incentive]
        n = events_before(rows, mine, "customer_id", "known_at", "n")
        x[column] = (events_before(rows, mine, "customer_id", "known_at", "paid", value="paid_within_7d") / n).where(
            n > 0
        )
    x["amount_due"] = (rows.amount.astype(float) * (1 - x.paid_share.fillna(0.0))).clip(lower=0.0)
    return x.astype(float)
