"""Late-payment charges recorded once per invoice (table ``documents.late_charges``).

A formal notice may be printed, re-sent or re-run on a later day; the debtor must read the same
interest and compensation every time, so the first computation is written down with its
arithmetic and every later call returns the recorded charge instead of recomputing it. The
insert is ``on conflict do nothing`` and the answer is read back from the table, so two runs
racing on one invoice still agree on one charge.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal

import duckdb

from documents.late_charges import Jurisdiction, LateCharges, Segment, late_charges

DDL = [
    "create schema if not exists documents",
    """create table if not exists documents.late_charges (
        invoice_id VARCHAR PRIMARY KEY, jurisdiction VARCHAR NOT NULL, as_of DATE NOT NULL, due_date DATE NOT NULL,
        currency_code VARCHAR NOT NULL, open_amount DECIMAL(18,2) NOT NULL, day_basis INTEGER NOT NULL,
        days INTEGER NOT NULL, rate DECIMAL(9,4), interest DECIMAL(18,2) NOT NULL,
        compensation DECIMAL(18,2) NOT NULL, compensation_currency VARCHAR NOT NULL,
        segments JSON NOT NULL, arithmetic_text VARCHAR NOT NULL, recorded_at TIMESTAMP DEFAULT now()::TIMESTAMP)""",
]
COLUMNS = (
    "invoice_id",
    "jurisdiction",
    "as_of",
    "due_date",
    "currency_code",
    "open_amount",
    "day_basis",
    "segments",
    "compensation",
    "compensation_currency",
)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def _segments_json(charges: LateCharges) -> str:
    return json.dumps(
        [
            {
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "days": s.days,
                "reference_rate": None if s.reference_rate is None else str(s.reference_rate),
                "rate": str(s.rate),
                "interest": str(s.interest),
            }
            for s in charges.segments
        ]
    )


def _from_row(row: tuple) -> LateCharges:
    fields = dict(zip(COLUMNS, row, strict=True))
    segments = tuple(
        Segment(
            dt.date.fromisoformat(s["start"]),
            dt.date.fromisoformat(s["end"]),
            int(s["days"]),
            None if s["reference_rate"] is None else Decimal(s["reference_rate"]),
            Decimal(s["rate"]),
            Decimal(s["interest"]),
        )
        for s in json.loads(fields["segments"])
    )
    return LateCharges(
        invoice_id=fields["invoice_id"],
        jurisdiction=fields["jurisdiction"],
        as_of=fields["as_of"],
        due_date=fields["due_date"],
        currency=fields["currency_code"],
        open_amount=Decimal(fields["open_amount"]),
        day_basis=int(fields["day_basis"]),
        segments=segments,
        compensation=Decimal(fields["compensation"]),
        compensation_currency=fields["compensation_currency"],
    )


def recorded(con: duckdb.DuckDBPyConnection, invoice_id: str) -> LateCharges | None:
    ensure(con)
    row = con.execute(
        f"select {', '.join(COLUMNS)} from documents.late_charges where invoice_id = ?", [str(invoice_id)]
    ).fetchone()
    return _from_row(row) if row else None


def charge_once(
    con: duckdb.DuckDBPyConnection,
    invoice: Mapping,
    jurisdiction: Jurisdiction,
    as_of: dt.date,
    agreed_rate: Decimal | None = None,
) -> LateCharges:
    """The invoice's recorded charge, computed and recorded on the first call only.

    An invoice not yet late on ``as_of`` is charged nothing and nothing is recorded, so the
    charge is fixed on the first notice that actually claims it."""
    existing = recorded(con, invoice["invoice_id"])
    if existing is not None:
        return existing
    charges = late_charges(invoice, jurisdiction, as_of, agreed_rate)
    if not charges.segments:
        return charges
    con.execute(
        "insert into documents.late_charges (invoice_id, jurisdiction, as_of, due_date, currency_code, open_amount, "
        "day_basis, days, rate, interest, compensation, compensation_currency, segments, arithmetic_text) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
        [
            charges.invoice_id,
            charges.jurisdiction,
            charges.as_of,
            charges.due_date,
            charges.currency,
            charges.open_amount,
            charges.day_basis,
            charges.days,
            charges.rate,
            charges.interest,
            charges.compensation,
            charges.compensation_currency,
            _segments_json(charges),
            charges.arithmetic_text,
        ],
    )
    return recorded(con, charges.invoice_id)
