"""Customers' commitments awaiting a person: promises to pay read in e-mails (confirm or reject),
open Relance-side disputes (resolve) and payment-plan requests (accept or decline).

What the marts say (as of the latest run) joined with what people decided since (the cockpit's
own store, cockpit/decisions.py): a decision shows at once here and is honoured by the next run,
which copies the decisions into the warehouse before its build (journeys/commitments.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cockpit import decisions
from cockpit.data import query

LATEST = "(select max(as_of_date) from marts.{table})"


def _latest(source: Path, table: str, sql: str) -> pd.DataFrame:
    return query(source, sql.format(latest=LATEST.format(table=table)), needs=(f"marts.{table}",))


def _with_decisions(frame: pd.DataFrame, kind: str, key: str, decisions_path: Path | None) -> pd.DataFrame:
    """Each item's decision made in the cockpit since the run (the latest one per item)."""
    latest = {}
    for row in decisions.commitment_decisions(decisions_path):
        if row["item_kind"] == kind:
            latest[row["item_id"]] = row
    frame = frame.copy()
    for column in ("decision", "decided_by", "decided_at"):
        frame[column] = [latest.get(item, {}).get(column) for item in frame[key]]
    return frame


def pending_promises(source: Path, decisions_path: Path | None = None) -> pd.DataFrame:
    """One row per promise read in an e-mail that awaits confirmation (over all the invoices it
    covers), with the message's words so a person can check the date and amount."""
    frame = _latest(
        source,
        "fct_promises_to_pay",
        """select p.source_ref, p.customer_id, min(p.promised_on) as promised_on, min(p.promised_for) as promised_for,
                  bool_and(p.promised_for_stated) as date_stated, sum(p.promised_amount) as promised_amount,
                  count(*) as invoices, string_agg(p.invoice_id, ', ' order by p.invoice_id) as invoice_ids
           from marts.fct_promises_to_pay as p
           where p.as_of_date = {latest} and p.confirmation_status = 'awaiting_confirmation'
           group by 1, 2 order by promised_for, source_ref""",
    )
    if frame.empty:
        return frame
    return _with_decisions(frame, "promise", "source_ref", decisions_path)


def open_disputes(source: Path, decisions_path: Path | None = None) -> pd.DataFrame:
    """Open disputes customers opened on the portal or in an e-mail (the ERP's are resolved there)."""
    frame = _latest(
        source,
        "fct_disputes",
        """select source_ref, customer_id, dispute_source, min(opened_on) as opened_on,
                  min(dispute_reason) as dispute_reason, sum(disputed_amount) as disputed_amount,
                  string_agg(invoice_id, ', ' order by invoice_id) as invoice_ids
           from marts.fct_disputes
           where as_of_date = {latest} and is_open and dispute_source != 'erp'
           group by 1, 2, 3 order by opened_on, source_ref""",
    )
    if frame.empty:
        return frame
    return _with_decisions(frame, "dispute", "source_ref", decisions_path)


def plan_requests(source: Path, decisions_path: Path | None = None) -> pd.DataFrame:
    frame = _latest(
        source,
        "fct_payment_plan_requests",
        """select request_id, customer_id, requested_at, installments, first_instalment_on
           from marts.fct_payment_plan_requests
           where as_of_date = {latest} and request_status = 'awaiting_review' order by requested_at""",
    )
    if frame.empty:
        return frame
    return _with_decisions(frame, "payment_plan", "request_id", decisions_path)
