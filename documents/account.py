"""The invoice copy and the account statement, rendered from ERP rows.

Both say what is true on the day they are printed: each invoice's status ("12 days overdue",
"due in 5 days") is computed from that day with the e-mails' wording, and totals are per
currency (amounts in different currencies are never added up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import pandas as pd

from documents.pdf import Sheet
from documents.text import amount, as_date, language_of, payment_link, short_day, status_on

STATEMENT_WIDTHS = (28, 25, 25, 29, 29, 38)
STATEMENT_ALIGN = ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT")


def _language(customer: Mapping) -> str:
    return language_of(customer.get("language_code"))


def _po(value) -> str | None:
    return value if isinstance(value, str) and value else None


def invoice_copy(invoice: Mapping, customer: Mapping, brand: Mapping, as_of: dt.date) -> bytes:
    """A copy of one invoice with what is still owed on it on ``as_of`` and how to pay it."""
    language = _language(customer)
    sheet = Sheet(brand, language)
    w, currency = sheet.words, str(invoice["currency_code"])
    sheet.start(customer, as_of, w["copy_title"].format(number=invoice["invoice_id"]))
    sheet.paragraph(w["copy_note"], size=9)
    due = as_date(invoice["due_date"])
    facts = [
        (w["invoice"], str(invoice["invoice_id"])),
        (w["issue_date"], short_day(as_date(invoice["issue_date"]), language)),
        (w["due_date"], short_day(due, language)),
    ]
    if _po(invoice.get("po_number")):
        facts.append((w["po_number"], invoice["po_number"]))
    facts += [
        (w["invoice_amount"], amount(invoice["invoice_amount"], currency, language)),
        (w["paid"], amount(invoice["paid_amount"], currency, language)),
        (w["open_amount"], amount(invoice["open_amount"], currency, language)),
        (w["status_heading"], status_on(language, due, as_of, invoice["open_amount"])),
    ]
    sheet.grid(None, facts, (60, 114), ("LEFT", "LEFT"), bold_rows=2, size=10)
    if Decimal(str(invoice["open_amount"])) > 0:
        sheet.remittance([str(invoice["invoice_id"])])
        sheet.paragraph(f"{w['pay_online']} {payment_link(brand, invoice['invoice_id'])}", size=9)
    return sheet.to_bytes()


def _totals(group: pd.DataFrame, as_of: dt.date) -> tuple[Decimal, Decimal]:
    """(overdue, not yet due) open amounts of one currency, in Decimal cents."""
    overdue = upcoming = Decimal("0")
    for r in group.itertuples():
        value = Decimal(str(r.open_amount))
        if (as_of - as_date(r.due_date)).days > 0:
            overdue += value
        else:
            upcoming += value
    return overdue, upcoming


def statement(customer: Mapping, invoices: pd.DataFrame, brand: Mapping, as_of: dt.date) -> bytes:
    """The customer's open invoices on ``as_of``, per currency, each overdue or not yet due, with
    the totals overdue, falling due and outstanding."""
    language = _language(customer)
    sheet = Sheet(brand, language)
    w = sheet.words
    sheet.start(customer, as_of, w["statement_title"])
    open_invoices = invoices[invoices.open_amount > 0].assign(due_date=lambda f: pd.to_datetime(f.due_date))
    if open_invoices.empty:
        sheet.paragraph(w["no_open_invoices"].format(date=short_day(as_of, language)))
        return sheet.to_bytes()
    sheet.paragraph(w["statement_intro"].format(date=short_day(as_of, language)))
    headings = (
        w["invoice"],
        w["issue_date"],
        w["due_date"],
        w["invoice_amount"],
        w["open_amount"],
        w["status_heading"],
    )
    for currency, group in open_invoices.sort_values(["due_date", "invoice_id"]).groupby("currency_code", sort=True):
        rows = [
            (
                r.invoice_id,
                short_day(as_date(r.issue_date), language),
                short_day(as_date(r.due_date), language),
                amount(r.invoice_amount, currency, language),
                amount(r.open_amount, currency, language),
                status_on(language, as_date(r.due_date), as_of, r.open_amount),
            )
            for r in group.itertuples()
        ]
        overdue, upcoming = _totals(group, as_of)
        rows += [
            ((w[label], 4), amount(value, currency, language), "")
            for label, value in (
                ("overdue_total", overdue),
                ("upcoming_total", upcoming),
                ("total_due", overdue + upcoming),
            )
        ]
        sheet.heading(f"{w['currency']}{w['colon']} {currency}")
        sheet.grid(headings, rows, STATEMENT_WIDTHS, STATEMENT_ALIGN, bold_rows=3)
    sheet.remittance(sorted(open_invoices.invoice_id.astype(str)))
    return sheet.to_bytes()
