"""The day's printed letters: the planner's ``letter`` messages (a reminder whose customer has no
contact that can be e-mailed) rendered into one print-ready PDF batch per day, and recorded in
the outbox like any reminder — so they count as touches for every contact rule, and reach the
ERP's contact history (store.delivered_sends).

Idempotent: the batch of a day is every letter of that day's plan that people let go, whether
printed by an earlier run or not, so a re-run writes the same file and records nothing twice
(the outbox row of a letter is keyed by its message id; only ``pending`` ones become ``sent``).
A letter that cannot be rendered is marked ``failed`` with the reason; the others still print.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from documents.letters import letter, letter_batch

log = logging.getLogger(__name__)

BATCH_NAME = "batch.pdf"


@dataclass
class LetterReport:
    letters: int = 0  # in the day's batch
    new: int = 0  # recorded as sent by this run
    failed: int = 0  # could not be rendered (reason in the outbox's last_error)
    waiting: int = 0  # held by a person, or awaiting approval
    path: Path | None = None


def _day_letters(con: duckdb.DuckDBPyConnection, as_of: str) -> pd.DataFrame:
    return con.execute(
        """select o.*, c.account_owner, c.customer_name, k.full_name as contact_name
           from journeys.outbox o
           left join marts.dim_customer_360 c using (customer_id)
           left join marts.dim_contacts k on k.contact_id = o.contact_id
           where o.channel = 'letter' and o.as_of_date = ? and o.status in ('pending', 'sent')
           order by o.customer_id, o.message_id""",
        [as_of],
    ).df()


def _invoices(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> pd.DataFrame:
    ids = sorted({str(i) for ids in rows.invoice_ids for i in ids})
    frame = con.execute(
        """select invoice_id, po_number, due_date, open_amount::DOUBLE as open_amount
           from marts.fct_invoices where invoice_id in (select unnest(?))""",
        [ids],
    ).df()
    return frame.assign(due_date=pd.to_datetime(frame.due_date)).set_index("invoice_id")


def _renderable(rows: pd.DataFrame, invoices: pd.DataFrame, brand: dict) -> tuple[list, dict[str, str]]:
    """(message, invoices, customer) of each letter that renders on its own; errors by message id."""
    good, errors = [], {}
    for row in rows.to_dict("records"):
        lines = invoices.reindex(list(row["invoice_ids"])).reset_index()
        customer = {
            k: None if pd.isna(row.get(k)) else row[k] for k in ("customer_id", "customer_name", "contact_name")
        }
        customer["customer_name"] = customer["customer_name"] or row["customer_id"]  # a 360 without the customer
        try:
            if lines.open_amount.isna().any():
                raise ValueError("an invoice of the letter is not in fct_invoices")
            letter(row, lines, customer, brand)
        except Exception as error:  # one bad letter never stops the day's batch
            errors[row["message_id"]] = f"{type(error).__name__}: {error}"
            continue
        good.append((row, lines, customer))
    return good, errors


def _write(path: Path, content: bytes) -> None:
    """Whole or not at all: a printer picking the file up never sees half a batch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".pdf.partial")
    partial.write_bytes(content)
    partial.replace(path)


def print_day(
    con: duckdb.DuckDBPyConnection,
    brand: dict,
    as_of: str,
    folder: Path,
    deliverable: Callable[[str, list[str]], set[str]] | None = None,
) -> LetterReport:
    """Write ``folder/<as_of>/batch.pdf`` with the day's letters and record them as sent.
    ``deliverable`` (plan day, pending ids) → the ids people let go (cockpit holds, approval mode)."""
    rows = _day_letters(con, as_of)
    pending = rows[rows.status == "pending"].message_id.tolist()
    allowed = set(pending) if deliverable is None else deliverable(as_of, pending)
    rows = rows[(rows.status == "sent") | rows.message_id.isin(allowed)]
    report = LetterReport(waiting=len(pending) - len(set(pending) & allowed))
    if rows.empty:
        return report
    good, errors = _renderable(rows, _invoices(con, rows), brand)
    for message_id, error in errors.items():
        log.warning("letter %s not printed: %s", message_id, error)
        con.execute(
            "update journeys.outbox set status = 'failed', last_error = ? where message_id = ? and status = 'pending'",
            [error, message_id],
        )
    report.failed = len(errors)
    if not good:
        return report
    report.path = folder / as_of / BATCH_NAME
    _write(report.path, letter_batch(good, brand))
    printed = [message["message_id"] for message, _, _ in good if message["status"] == "pending"]
    con.execute(
        """update journeys.outbox set status = 'sent', delivered_at = send_at, attempts = attempts + 1
           where message_id in (select unnest(?)) and status = 'pending'""",
        [printed],
    )
    report.letters, report.new = len(good), len(printed)
    return report
