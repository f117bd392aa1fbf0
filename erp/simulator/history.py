"""Invoices, their natural settlement, disputes, and the legacy dunning policy's history, for one
chunk of customers.

Every invoice gets a *natural* payment date from its customer's delay distribution (what happens
with no reminder). The logged legacy policy then sends reminders at fixed days past due with a
random send hour and a random incentive, and holds a random 15 % of customers out each quarter,
so that send-time, incentive and self-cure effects are identifiable from the history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from erp.simulator.behaviour import reminder_outcomes
from erp.simulator.localtime import local_to_utc

LEGACY_STAGES = ((3, "friendly"), (10, "neutral"), (20, "neutral"), (35, "firm"), (50, "firm"), (70, "final"))
LEGACY_INCENTIVES = ("none", "none", "early_pay_discount", "late_fee_warning", "payment_plan", "card_payment_link")
LEGACY_HOLDOUT = 0.15
DISPUTE_REASONS = ("pricing", "quality", "delivery", "duplicate", "other")
INVOICES_PER_MONTH = 2.5
WRITE_OFF_AFTER = pd.Timedelta(days=180)


def _days(values) -> pd.TimedeltaIndex:
    return pd.to_timedelta(np.asarray(values), unit="D")


def _next_weekday(dates: pd.Series) -> pd.Series:
    """Move Saturday and Sunday to the following Monday (nobody issues or sends then)."""
    shift = np.select([dates.dt.weekday == 5, dates.dt.weekday == 6], [2, 1], 0)
    return dates + _days(shift)


def invoices_for(
    rng,
    customers: pd.DataFrame,
    start: pd.Timestamp,
    horizon: pd.Timestamp,
    chunk: int,
    rate: float = INVOICES_PER_MONTH,
) -> pd.DataFrame:
    """Invoices issued from ``start`` (or the customer's creation) to ``horizon``."""
    active_from = customers.created_at.where(customers.created_at > start, start)
    days = np.maximum((horizon - active_from).dt.days.to_numpy(), 0)
    counts = rng.poisson(customers.invoice_rate.to_numpy() * rate * days / 30.44)
    row = np.repeat(np.arange(len(customers)), counts)
    c = customers.iloc[row].reset_index(drop=True)
    issue = _next_weekday(pd.Series(active_from.to_numpy()[row]) + _days(rng.integers(0, np.maximum(days[row], 1))))
    inv = pd.DataFrame(
        {
            "customer_id": c.customer_id,
            "issue_date": issue,
            "due_date": issue + _days(c.payment_terms_days),
            "amount": np.maximum(np.round(c.usual_amount * rng.lognormal(0, 0.35, len(c)), 2), 1.0),
            "currency": c.currency,
        }
    )
    inv["po_number"] = np.where(rng.random(len(c)) < 0.4, [f"PO-{x:07d}" for x in rng.integers(0, 10**7, len(c))], None)
    inv = inv.sort_values(["issue_date", "customer_id"], kind="stable").reset_index(drop=True)
    inv.insert(0, "invoice_id", [f"INV-{chunk:04d}-{i:07d}" for i in range(len(inv))])
    return inv


def natural_settlement(rng, inv: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Add the natural payment date (NaT: never paid), disputes and credit notes."""
    c = customers.set_index("customer_id").loc[inv.customer_id].reset_index()
    onset = c.change_onset
    after = (onset.notna() & (inv.issue_date >= onset)).to_numpy()
    ramp = np.clip(((inv.issue_date - onset).dt.days / 90).fillna(0).to_numpy(), 0, 1)
    mean = c.delay_mean.to_numpy() + np.where(after & (c.change_type == "delay_drift").to_numpy(), 7 * ramp, 0)
    delay = np.round(rng.normal(mean, c.delay_sd.to_numpy()))
    never = rng.random(len(inv)) < c.never_pays.to_numpy()
    pay = inv.due_date + _days(delay)
    pay = pay.where(pay >= inv.issue_date, inv.issue_date)
    inv["natural_delay"] = np.where(never, np.nan, delay)
    inv["never_pays"] = never
    rate = np.where(after & (c.change_type == "serial_dispute").to_numpy(), 0.85, c.dispute_rate.to_numpy())
    disputed = rng.random(len(inv)) < rate
    opened = inv.issue_date + _days(rng.integers(3, 21, len(inv)))
    disputed &= never | (opened < pay).to_numpy()
    inv["dispute_opened"] = opened.where(disputed)
    inv["dispute_resolved"] = inv.dispute_opened + _days(rng.integers(7, 46, len(inv)))
    inv["dispute_reason"] = np.where(disputed, rng.choice(DISPUTE_REASONS, len(inv)), None)
    credit_share = np.where(rng.random(len(inv)) < 0.3, 1.0, rng.uniform(0.05, 0.5, len(inv)))
    credited = disputed & (rng.random(len(inv)) < 0.5)
    inv["credit_amount"] = np.where(credited, np.round(inv.amount * credit_share, 2), 0.0)
    inv["credit_date"] = (inv.dispute_resolved).where(credited)
    inv["credit_reason"] = np.where(credited, "dispute " + inv.dispute_reason.astype(str), None)
    # Debts never paid are written off with a credit note 180 days past due, as AR teams do.
    write_off = never & ~credited
    inv.loc[write_off, "credit_amount"] = inv.amount[write_off]
    inv.loc[write_off, "credit_date"] = inv.due_date[write_off] + WRITE_OFF_AFTER
    inv.loc[write_off, "credit_reason"] = "bad debt write-off"
    after_dispute = inv.dispute_resolved + _days(rng.integers(1, 11, len(inv)))
    pay = pay.where(~disputed | (pay > after_dispute), after_dispute)
    fully_credited = inv.credit_amount >= inv.amount
    inv["pay_date"] = pay.where(~never & ~fully_credited)
    return inv


def settle_responders_write_offs(inv: pd.DataFrame) -> None:
    """A debt the customer ended up paying (after a reminder) is no longer written off."""
    revived = (inv.credit_reason == "bad debt write-off") & inv.pay_date.notna()
    inv.loc[revived, "credit_amount"] = 0.0
    inv.loc[revived, "credit_date"] = pd.NaT
    inv.loc[revived, "credit_reason"] = None


def settled_on(inv: pd.DataFrame) -> pd.Series:
    """Full payment date, or the date a credit note covered the whole invoice."""
    fully_credited = inv.credit_date.where(inv.credit_amount >= inv.amount)
    return inv.pay_date.where(inv.pay_date.notna(), fully_credited)


def legacy_reminders(
    rng, inv: pd.DataFrame, customers: pd.DataFrame, contacts: pd.DataFrame, go_live: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the legacy policy over the history; move pay dates of invoices whose customer
    responded. Returns (sends with outcomes, promises)."""
    params = customers.set_index("customer_id")
    primary = contacts[contacts.is_primary].set_index("customer_id")
    quarter = inv.due_date.dt.year * 4 + inv.due_date.dt.quarter
    held = _holdout(customers.customer_id, quarter, inv.customer_id, rng)
    sends, promises = [], []
    for stage, (dpd, tone) in enumerate(LEGACY_STAGES):
        send_day = _next_weekday(inv.due_date + _days(dpd))
        in_dispute = (inv.dispute_opened <= send_day) & (send_day < inv.dispute_resolved)
        pending = inv.pay_date.isna() | (inv.pay_date > send_day)
        eligible = (send_day < go_live) & pending & ~in_dispute & ~held
        if not eligible.any():
            continue
        batch = inv[eligible].copy()
        batch["send_day"] = send_day[eligible]
        batch["stage"] = stage
        batch["tone"] = tone
        batch["incentive"] = rng.choice(LEGACY_INCENTIVES, len(batch))
        batch["local_hour"] = rng.integers(7, 21, len(batch))
        p = params.loc[batch.customer_id].reset_index()
        silent = ((p.change_type == "goes_silent") & (batch.send_day.to_numpy() >= p.change_onset)).to_numpy()
        out = reminder_outcomes(
            rng,
            p,
            batch.local_hour.to_numpy(),
            batch.send_day.dt.weekday.to_numpy(),
            batch.tone.to_numpy(),
            batch.incentive.to_numpy(),
            silent,
        )
        out.index = batch.index
        batch = batch.join(out)
        batch["contact_id"] = primary.contact_id.reindex(batch.customer_id).to_numpy()
        batch["timezone"] = p.timezone.to_numpy()
        apply_responses(rng, inv, batch, promises)
        sends.append(batch)
    sends_df = pd.concat(sends) if sends else pd.DataFrame()
    promises_df = pd.concat(promises) if promises else pd.DataFrame()
    return _send_records(rng, sends_df), promises_df


def _holdout(customer_ids: pd.Series, quarter: pd.Series, inv_customers: pd.Series, rng) -> pd.Series:
    """A random 15 % of customers get no reminder for a whole quarter."""
    quarters = np.unique(quarter)
    draw = rng.random((len(customer_ids), len(quarters))) < LEGACY_HOLDOUT
    table = pd.DataFrame(draw, index=customer_ids.to_numpy(), columns=quarters)
    row = table.index.get_indexer(inv_customers)
    col = table.columns.get_indexer(quarter)
    return pd.Series(table.to_numpy()[row, col], index=inv_customers.index)


def apply_responses(rng, inv: pd.DataFrame, batch: pd.DataFrame, promises: list) -> None:
    """Pull pay dates forward for customers who responded; record promises to pay."""
    respond_day = batch.send_day + _days(batch.lag_days)
    moved = batch.responded & (
        inv.pay_date.reindex(batch.index).isna() | (respond_day < inv.pay_date.reindex(batch.index))
    )
    idx = batch.index[moved]
    inv.loc[idx, "pay_date"] = respond_day[moved]
    remaining = inv.amount.reindex(batch.index) - inv.credit_amount.reindex(batch.index)
    made = batch[batch.promised & (remaining > 0)]
    if len(made):
        created = made.send_day + _days(rng.integers(0, 3, len(made)))
        promised = made.send_day + _days(made.promise_days)
        promises.append(
            pd.DataFrame(
                {
                    "invoice_id": inv.loc[made.index, "invoice_id"].to_numpy(),
                    "created_at": created.to_numpy(),
                    "promised_date": promised.to_numpy(),
                    "amount": inv.loc[made.index, "amount"].to_numpy()
                    - inv.loc[made.index, "credit_amount"].to_numpy(),
                }
            )
        )
        kept = made.promise_kept
        kept_day = promised[kept] - _days(rng.integers(0, 3, kept.sum()))
        current = inv.pay_date.reindex(kept[kept].index)
        earlier = current.isna() | (kept_day < current)
        inv.loc[earlier[earlier].index, "pay_date"] = kept_day[earlier]


def _send_records(rng, sends: pd.DataFrame) -> pd.DataFrame:
    """Contact-history rows with their UTC send time and the e-mail events they led to."""
    if sends.empty:
        return sends
    minute = rng.integers(0, 60, len(sends))
    local = sends.send_day + pd.to_timedelta(sends.local_hour, unit="h") + pd.to_timedelta(minute, unit="m")
    sends = sends.assign(sent_at=local_to_utc(local, sends.timezone))
    sends["message_id"] = [f"M-{i}-{s}" for i, s in zip(sends.invoice_id, sends.stage, strict=False)]
    sends["step"] = [f"dpd_{LEGACY_STAGES[s][0]}" for s in sends.stage]
    sends["journey"] = "legacy"
    return sends.reset_index(drop=True)
