"""How the simulated customers answer the pipeline's own reminders: the closed loop's half of the
world. Each send is read (or not) at its local hour, moves the customer by its latent
sensitivity to tone and incentive, leaves e-mail events and unsubscribes, and pulls payments
forward or records a promise to pay."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from erp.contract import TABLES
from erp.simulator import history, records
from erp.simulator.behaviour import reminder_outcomes
from erp.simulator.localtime import utc_to_local
from erp.simulator.storage import append


def apply_sends(con, seed: int, day: date, sends: pd.DataFrame) -> None:
    """Apply the reminders the pipeline sent on ``day`` (a message already applied is ignored):
    each customer answers by its latent behaviour, e-mail events follow, payments move."""
    sends = sends.copy()
    sends["sent_at"] = pd.to_datetime(sends.sent_at, utc=True).dt.tz_localize(None)
    known = set(
        r[0]
        for r in con.execute(
            "select message_id from contact_history where message_id in (select unnest(?))", [sends.message_id.tolist()]
        ).fetchall()
    )
    sends = sends[~sends.message_id.isin(known)].reset_index(drop=True)
    if sends.empty:
        return
    params = (
        con.execute(
            "select * from customers where customer_id in (select unnest(?))", [sends.customer_id.unique().tolist()]
        )
        .df()
        .set_index("customer_id")
    )
    p = params.loc[sends.customer_id].reset_index()
    local = utc_to_local(sends.sent_at, p.timezone)
    silent = ((p.change_type == "goes_silent") & (sends.sent_at >= p.change_onset)).to_numpy()
    rng = np.random.default_rng([seed, day.toordinal()])
    out = reminder_outcomes(
        rng,
        p,
        local.dt.hour.to_numpy(),
        local.dt.weekday.to_numpy(),
        sends.tone.to_numpy(),
        sends.incentive.to_numpy(),
        silent,
        sends.variant.to_numpy() if "variant" in sends else None,
    )
    batch = pd.concat([sends, out], axis=1)
    batch["send_day"] = pd.Timestamp(day)
    email = batch.channel == "email"
    events = records.email_events(rng, batch[email].reset_index(drop=True))
    append(
        con,
        "contact_history",
        sends[TABLES["contact_history"].column_names].assign(sent_at=sends.sent_at.dt.floor("s")),
    )
    append(con, "email_events", events)
    _record_unsubscribes(con, events, sends)
    _move_payments(con, rng, day, batch)


def _record_unsubscribes(con, events: pd.DataFrame, sends: pd.DataFrame) -> None:
    unsub = events[events.event == "unsubscribe"].merge(sends[["message_id", "contact_id"]], on="message_id")
    for row in unsub.itertuples():
        con.execute(
            "update contacts set opted_out_at = coalesce(opted_out_at, ?) where contact_id = ?",
            [row.occurred_at, row.contact_id],
        )


def _move_payments(con, rng, day: date, batch: pd.DataFrame) -> None:
    """Pull payment forward for invoices whose customer responded; record promises to pay."""
    targets = batch[batch.responded | batch.promised]
    if targets.empty:
        return
    con.register("targets", targets[["message_id", "customer_id", "invoice_id"]])
    inv = con.execute(
        """
        select t.message_id, i.invoice_id, i.customer_id, i.amount::DOUBLE as amount,
               i.credit_amount::DOUBLE as credit_amount, i.settled_on as pay_date
        from targets t join invoices i
          on (t.invoice_id = i.invoice_id) or (t.invoice_id is null and i.customer_id = t.customer_id
              and i.due_date < ? and (i.settled_on is null or i.settled_on > ?))
        where i.dispute_opened is null or not (i.dispute_opened <= ? and ? < i.dispute_resolved)
    """,
        [day, day, day, day],
    ).df()
    con.unregister("targets")
    if inv.empty:
        return
    per_invoice = inv.merge(batch.drop(columns=["invoice_id", "customer_id"]), on="message_id")
    per_invoice = per_invoice.drop_duplicates("invoice_id").reset_index(drop=True)
    promises: list[pd.DataFrame] = []
    before = per_invoice.pay_date.copy()
    history.apply_responses(rng, per_invoice, per_invoice, promises)
    moved = per_invoice[per_invoice.pay_date.notna() & (before.isna() | (per_invoice.pay_date < before))]
    if len(moved):
        con.register("moved", moved[["invoice_id", "pay_date"]])
        con.execute(
            "delete from payments where invoice_id in (select invoice_id from moved) and payment_date > ?", [day]
        )
        # a debt that gets paid is not written off any more
        con.execute(
            "delete from credit_notes where invoice_id in (select invoice_id from moved) "
            "and reason = 'bad debt write-off' and issue_date > ?",
            [day],
        )
        con.execute(
            "update invoices set credit_amount = 0, credit_date = null, credit_reason = null "
            "where invoice_id in (select invoice_id from moved) and credit_reason = 'bad debt write-off' "
            "and credit_date > ?",
            [day],
        )
        con.execute("""
            insert into payments by name
            select i.customer_id, i.invoice_id, m.pay_date::DATE as payment_date,
                   round(i.amount - i.credit_amount - coalesce(paid.amount, 0), 2) as amount,
                   i.currency, c.method, 'PAY-' || i.invoice_id || '-R' as payment_id
            from moved m join invoices i using (invoice_id) join customers c using (customer_id)
            left join (select invoice_id, sum(amount) as amount from payments group by 1) paid using (invoice_id)
            where i.amount - i.credit_amount - coalesce(paid.amount, 0) > 0""")
        con.execute("update invoices set settled_on = m.pay_date from moved m where invoices.invoice_id = m.invoice_id")
        con.unregister("moved")
    if promises:
        new = pd.concat(promises, ignore_index=True)
        count = con.execute("select count(*) from promises_to_pay").fetchall()[0][0]
        new.insert(0, "promise_id", [f"PTP-R-{count + i:07d}" for i in range(len(new))])
        append(con, "promises_to_pay", new)
