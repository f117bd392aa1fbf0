"""The day's contact list and the collectors' worklist, joined with what people decided.

The review reads journeys.contact_list (the plan of a run, ``as_of_date`` = the plan day): its
customer-facing rows (e-mails, letters). The worklist reads the published
marts.mart_collector_worklist: everything that needs a person that day, ranked, whose calls and
tasks keep the planner's message id as item id. The decisions come from the cockpit's own store
(cockpit/decisions.py), never from the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cockpit import decisions
from cockpit.data import query

WORK_CHANNELS = ("call", "task")
REVIEW_COLUMNS = [
    "message_id",
    "customer_id",
    "channel",
    "journey",
    "step",
    "tone",
    "incentive",
    "amount_due",
    "currency_code",
    "max_days_past_due",
    "send_at_utc",
    "account_owner",
    "segment",
    "reason_customer",
    "reason_now",
    "reason_offer",
]


WORKLIST_COLUMNS = [
    "worklist_rank",
    "item_id",
    "item_type",
    "customer_id",
    "suggested_owner",
    "amount_at_stake",
    "currency_code",
    "expected_cash",
    "effort_minutes",
    "cash_per_minute",
    "reason",
]


def worklist_days(source: Path) -> list[pd.Timestamp]:
    frame = query(
        source,
        "select distinct as_of_date from marts.mart_collector_worklist order by 1 desc",
        needs=("marts.mart_collector_worklist",),
    )
    return [pd.Timestamp(d) for d in frame.as_of_date] if len(frame) else []


def plan_days(source: Path) -> list[pd.Timestamp]:
    frame = query(
        source,
        "select distinct as_of_date from journeys.contact_list order by 1 desc",
        needs=("journeys.contact_list",),
    )
    return [pd.Timestamp(d) for d in frame.as_of_date] if len(frame) else []


def _plan(source: Path, day, work: bool) -> pd.DataFrame:
    operator = "in" if work else "not in"
    return query(
        source,
        f"""select {", ".join(REVIEW_COLUMNS)}, invoice_ids from journeys.contact_list
                             where as_of_date = ? and channel {operator} {WORK_CHANNELS} and action != 'hold_out'
                             order by send_at_utc, customer_id, message_id""",
        [pd.Timestamp(day).date()],
        needs=("journeys.contact_list",),
    )


def contact_list(source: Path, day, decisions_path: Path | None = None) -> pd.DataFrame:
    """The plan day's customer-facing messages with their current decision, who made it and when."""
    plan = _plan(source, day, work=False)
    if plan.empty:
        return plan
    decided = pd.DataFrame(
        decisions.current_decisions(day, decisions_path), columns=["message_id", "decision", "decided_by", "decided_at"]
    )
    merged = plan.merge(decided[["message_id", "decision", "decided_by", "decided_at"]], on="message_id", how="left")
    merged["decision"] = merged["decision"].fillna("pending")
    return merged


def filter_rows(
    frame: pd.DataFrame, channels=(), steps=(), decision=(), min_amount: float = 0.0, text: str = ""
) -> pd.DataFrame:
    """The review filters: channel, step, decision, smallest amount due, customer id contains."""
    keep = frame.amount_due.astype(float) >= min_amount
    for column, values in (("channel", channels), ("step", steps), ("decision", decision)):
        if values:
            keep &= frame[column].isin(list(values))
    if text:
        keep &= frame.customer_id.str.contains(text, case=False, regex=False)
    return frame[keep]


def worklist(source: Path, day, decisions_path: Path | None = None) -> pd.DataFrame:
    """The day's ranked worklist with each item's latest done / snooze / reassign: the owner is
    the colleague it was reassigned to, else the mart's suggested owner."""
    work = query(
        source,
        f"""select {", ".join(WORKLIST_COLUMNS)} from marts.mart_collector_worklist
            where as_of_date = ? order by worklist_rank""",
        [pd.Timestamp(day).date()],
        needs=("marts.mart_collector_worklist",),
    )
    if work.empty:
        return work
    actions = decisions.worklist_actions(day, decisions_path)
    for column in ("action", "snooze_until", "assignee", "decided_by", "decided_at"):
        work[column] = [actions.get(i, {}).get(column) for i in work.item_id]
    work["owner"] = work.assignee.fillna(work.suggested_owner)
    work["action"] = work.action.fillna("open")
    return work
