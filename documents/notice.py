"""The final formal notice (mise en demeure / letter before action) with its late-payment charges.

The notice claims, for each overdue invoice, the open amount, the statutory interest and the
fixed recovery compensation, and prints the arithmetic of every charge. Charges come from the
charge book (``notice_charges``): an invoice's interest is computed on the first notice and every
later notice repeats it, so a debtor never reads two different claims for one invoice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import duckdb
import pandas as pd

from documents.charge_book import charge_once
from documents.late_charges import Jurisdiction, LateCharges, arithmetic
from documents.pdf import Sheet
from documents.text import amount, as_date, language_of, short_day

WIDTHS = (30, 28, 30, 20, 28, 38)
ALIGN = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")


def overdue_invoices(invoices: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Invoices with an open amount whose due date has passed on ``as_of``, oldest first."""
    due = pd.to_datetime(invoices.due_date).dt.date
    return (
        invoices[(invoices.open_amount > 0) & (due < as_of)]
        .assign(_due=due)
        .sort_values(["_due", "invoice_id"])
        .drop(columns="_due")
    )


def notice_charges(
    con: duckdb.DuckDBPyConnection, invoices: pd.DataFrame, jurisdiction: Jurisdiction, as_of: dt.date
) -> dict[str, LateCharges]:
    """The recorded charge of each overdue invoice (computed and recorded on its first notice)."""
    return {
        str(r["invoice_id"]): charge_once(con, r, jurisdiction, as_of)
        for _, r in overdue_invoices(invoices, as_of).iterrows()
    }


def claimed_totals(invoices: pd.DataFrame, charges: Mapping[str, LateCharges]) -> dict[str, Decimal]:
    """What the notice claims per currency: open amounts and interest in the invoice's currency,
    the fixed compensation in the jurisdiction's; currencies are never added together."""
    totals: dict[str, Decimal] = {}
    for r in invoices.itertuples():
        charge = charges[str(r.invoice_id)]
        totals[r.currency_code] = (
            totals.get(r.currency_code, Decimal("0")) + Decimal(str(r.open_amount)) + charge.interest
        )
        totals[charge.compensation_currency] = (
            totals.get(charge.compensation_currency, Decimal("0")) + charge.compensation
        )
    return dict(sorted(totals.items()))


def formal_notice(
    customer: Mapping,
    invoices: pd.DataFrame,
    charges: Mapping[str, LateCharges],
    jurisdiction: Jurisdiction,
    brand: Mapping,
    as_of: dt.date,
) -> bytes:
    """The notice for the customer's overdue invoices on ``as_of``, each with its charges
    (``charges`` by invoice id, as returned by ``notice_charges``)."""
    language = language_of(customer.get("language_code"))
    sheet = Sheet(brand, language)
    w = sheet.words
    late = overdue_invoices(invoices, as_of)
    if late.empty:
        raise ValueError("a formal notice needs at least one overdue invoice")
    totals = claimed_totals(late, charges)
    total_text = " + ".join(amount(value, currency, language) for currency, value in totals.items())
    sheet.start(customer, as_of, w["notice_title"], w["notice_subtitle"])
    sheet.paragraph(w["salutation"])
    sheet.paragraph(w["notice_body"].format(total=total_text, days=jurisdiction.notice_days))
    sheet.paragraph(w["notice_law"].format(legal_basis=jurisdiction.legal_basis[language]))
    rows = []
    for r in late.itertuples():
        charge = charges[str(r.invoice_id)]
        rows.append(
            (
                r.invoice_id,
                short_day(as_date(r.due_date), language),
                amount(r.open_amount, r.currency_code, language),
                str(charge.days),
                amount(charge.interest, charge.currency, language),
                amount(charge.compensation, charge.compensation_currency, language),
            )
        )
    rows.append(((w["total_claimed"], 3), (total_text, 3)))
    headings = (w["invoice"], w["due_date"], w["open_amount"], w["days_late"], w["interest"], w["compensation"])
    sheet.grid(headings, rows, WIDTHS, ALIGN, bold_rows=1)
    sheet.heading(w["arithmetic_heading"])
    for r in late.itertuples():
        sheet.paragraph(arithmetic(charges[str(r.invoice_id)], language), size=8.5)
    sheet.paragraph(w["notice_threat"])
    sheet.remittance(list(late.invoice_id.astype(str)))
    sheet.paragraph(f"{w['regards']}\n{brand['from_name']}, {brand['company_name']}")
    return sheet.to_bytes()
