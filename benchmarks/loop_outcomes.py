"""The closed loop's outcome figures, from the simulated world's ground truth (its invoices,
payments and the touches it received): what each policy achieved, pooled across currencies —
every policy faces the same invoices. Net cash is the cash collected in the period minus what
the actions cost (ml/config/actions.yaml, the costs the next best action is priced with): each
touch's fixed cost, and each offer's share of the amount on the invoices actually paid under it
(paid within the offer's window after it was made: a discount is given to everyone who takes it,
including those who would have paid anyway)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from ml.uplift import actions as act

# an offer taken within the window the next best action is priced over is paid for
OFFER_WINDOW_DAYS = int(yaml.safe_load(act.CONFIG.read_text())["window_days"])
# A touch's targets: its invoice, else (a message about several) the customer's overdue invoices
# still open that day — the invoices the world moves when the customer answers it.
TOUCHES = """
    select h.message_id, h.channel, h.incentive, h.sent_at::DATE as sent_on, i.invoice_id, i.settled_on,
           i.amount::DOUBLE - i.credit_amount::DOUBLE as amount
    from contact_history h left join invoices i
      on (h.invoice_id = i.invoice_id) or (h.invoice_id is null and i.customer_id = h.customer_id
          and i.due_date < h.sent_at::DATE and (i.settled_on is null or i.settled_on > h.sent_at::DATE))
    where h.sent_at >= ? and h.sent_at::DATE <= ? and h.channel in ('email', 'call')"""


def action_of(channel: pd.Series, incentive: pd.Series, actions: dict) -> pd.Series:
    """The priced action of each touch: a call is a collector's call, an e-mail the action whose
    incentive it carried (a plain reminder without one)."""
    by_incentive = {a["incentive"]: name for name, a in actions.items() if a["incentive"] != "none"}
    emailed = incentive.map(by_incentive).fillna(act.REMINDER)
    return emailed.where(channel != "call", act.CALL)


def action_costs(touches: pd.DataFrame, actions: dict) -> dict[str, float]:
    """Fixed costs of the touches and the offers' shares on invoices paid under them (once per
    invoice and action), from ``touches`` (one row per touch and target invoice)."""
    t = touches.assign(action=action_of(touches.channel, touches.incentive, actions))
    per_touch = t.drop_duplicates("message_id")
    fixed = per_touch.action.map(lambda a: actions[a]["cost"]).sum()
    window = pd.to_timedelta(OFFER_WINDOW_DAYS, unit="D")
    sent, settled = pd.to_datetime(t.sent_on), pd.to_datetime(t.settled_on)
    taken = t[(settled >= sent) & (settled <= sent + window)].drop_duplicates(["invoice_id", "action"])
    shares = taken.action.map(lambda a: actions[a]["cost_share"]) * taken.amount
    discounts = taken.action == "early_pay_discount"
    return {
        "fixed_costs": float(fixed),
        "offer_costs": float(shares.sum()),
        "discounts_given": int(discounts.sum()),
        "discount_amount": float(shares[discounts].sum()),
    }


def outcomes(world, warehouse: Path, first: date, last: date) -> dict:
    """Collections figures of the period from the world's ground truth."""
    import duckdb

    with world._connect(read_only=True) as con:
        inv = con.execute(
            """select i.invoice_id, i.issue_date, i.due_date, i.settled_on, c.archetype,
                                    i.amount::DOUBLE - i.credit_amount::DOUBLE as amount
                             from invoices i join customers c using (customer_id)
                             where i.amount > i.credit_amount and i.issue_date <= ?""",
            [last],
        ).df()
        pay = con.execute(
            "select invoice_id, payment_date, amount::DOUBLE as amount from payments where payment_date <= ?", [last]
        ).df()
        sent_to = (
            con.execute(
                """select c.archetype, count(*) as reminders from contact_history h
                                 join customers c using (customer_id)
                                 where h.sent_at >= ? and h.channel in ('email', 'call') group by 1""",
                [first],
            )
            .df()
            .set_index("archetype")
            .reminders
        )
        touches = con.execute(TOUCHES, [first, last]).df()
        cash_in = con.execute(
            "select coalesce(sum(amount::DOUBLE), 0) from payments where payment_date between ? and ?", [first, last]
        ).fetchone()[0]
    for column in ("issue_date", "due_date", "settled_on"):
        inv[column] = pd.to_datetime(inv[column])
    pay["payment_date"] = pd.to_datetime(pay.payment_date)
    start, end = pd.Timestamp(first), pd.Timestamp(last)

    def receivables(day: pd.Timestamp, current_only: bool = False) -> float:
        issued = inv[(inv.issue_date <= day) & ((inv.due_date >= day) if current_only else True)]
        paid = pay[(pay.payment_date <= day) & pay.invoice_id.isin(issued.invoice_id)].amount.sum()
        return issued.amount.sum() - paid

    due = inv[(inv.due_date >= start) & (inv.due_date <= end - pd.Timedelta(days=30))]
    paid_on = due.settled_on.where(due.settled_on <= end)
    within_30 = due.amount[paid_on.notna() & ((paid_on - due.due_date).dt.days <= 30)].sum()
    days_late = (paid_on.fillna(end) - due.due_date).dt.days.clip(lower=0)
    # the ground-truth archetype says where a difference comes from (Relance never sees it)
    by_archetype = pd.DataFrame(
        {
            "mean_days": days_late.groupby(due.archetype).mean(),
            "invoices": due.groupby("archetype").size(),
            "reminders": sent_to,
        }
    ).fillna(0)
    begin_ar, end_ar, end_current = receivables(start), receivables(end), receivables(end, current_only=True)
    sales = inv.amount[(inv.issue_date > start) & (inv.issue_date <= end)].sum()
    with duckdb.connect(str(warehouse)) as con:  # dbt's in-process connection is read-write: same config
        reminders = con.execute(
            "select count(*) from journeys.outbox where channel in ('email', 'call') "
            "and status in ('dry_run', 'assigned', 'sent')"
        ).fetchone()[0]
    collected = begin_ar + sales - end_ar
    costs = action_costs(touches, act.load())
    return costs | {
        "cash_collected": float(cash_in),
        "net_cash": float(cash_in) - costs["fixed_costs"] - costs["offer_costs"],
        "invoices_due": len(due),
        "collected_within_30d_pct": 100 * within_30 / due.amount.sum(),
        "mean_days_due_to_paid": float(days_late.mean()),
        "by_archetype": by_archetype.to_dict("index"),
        "dso": end_ar / sales * (end - start).days,
        "cei_pct": 100 * collected / (begin_ar + sales - end_current),
        "reminders": int(reminders),
        "reminders_per_1000_collected": reminders / collected * 1000,
    }
