"""Printed reminder letters: the ``letter`` channel for customers without a reachable e-mail.

A letter carries the same facts as the reminder e-mail of the same message because it is built
from the very same context (``journeys.render.context``): each invoice overdue by N days or
still to fall due, the totals split the same way, how to pay and whom to call. The day's letters
go out as one print-ready PDF, each letter starting on its own page with its own page count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd

from documents.pdf import Sheet
from documents.text import as_date, day, language_of
from journeys.render import context, plural

WIDTHS = (36, 52, 36, 50)
ALIGN = ("LEFT", "LEFT", "RIGHT", "LEFT")


def _write_letter(sheet: Sheet, message: Mapping, invoices: pd.DataFrame, customer: Mapping) -> None:
    language = language_of(message.get("language_code"))
    sheet.use_language(language)
    ctx = context(dict(message), invoices, dict(sheet.brand), customer.get("contact_name"))
    w = sheet.words
    sheet.start(
        customer,
        as_date(message["send_day"]),
        w["letter_title"].format(invoices=plural(language, ctx["invoice_count"], w["invoices"])),
    )
    greeting = f"{w['greeting']} {ctx['contact_name']}," if ctx["contact_name"] else w["salutation"]
    sheet.paragraph(greeting)
    sheet.paragraph(w["letter_intro"].format(date=day(as_date(message["send_day"]), language)))
    rows = [(i["number"], i["due_date"], i["amount"], i["status"]) for i in ctx["invoices"]]
    totals = [
        ("overdue_total", ctx["overdue_total"], ctx["overdue_count"]),
        ("upcoming_total", ctx["upcoming_total"], ctx["upcoming_count"]),
        ("total_due", ctx["total_due"], 1),
    ]
    shown = [((w[label], 2), value, "") for label, value, count in totals if count]
    sheet.grid(
        (w["invoice"], w["due_date"], w["amount_due"], w["status_heading"]),
        rows + shown,
        WIDTHS,
        ALIGN,
        bold_rows=len(shown),
    )
    for extra in (ctx["incentive_text"], ctx["framing_text"]):
        if extra:
            sheet.paragraph(extra)
    sheet.remittance([i["number"] for i in ctx["invoices"]])
    sheet.paragraph(w["pay_online"] + "\n" + "\n".join(i["payment_link"] for i in ctx["invoices"]), size=8.5)
    sheet.paragraph(w["letter_questions"].format(who=ctx["whom_to_call"], email=sheet.brand["reply_to"]))
    sheet.paragraph(w["ignore_if_paid"], size=9)
    sheet.paragraph(f"{w['regards']}\n{sheet.brand['from_name']}, {sheet.brand['company_name']}")


def letter_batch(letters: Iterable[tuple[Mapping, pd.DataFrame, Mapping]], brand: Mapping) -> bytes:
    """One PDF of the day's letters, each (message, its invoices, customer) on fresh pages.

    ``message`` is the contact-list row the e-mail would have used (send_day, currency_code,
    language_code, tone, incentive, variant, account_owner); ``customer`` gives customer_id,
    customer_name and, when known, contact_name and postal_address."""
    sheet = Sheet(brand, "en")
    days = []
    for message, invoices, customer in letters:
        _write_letter(sheet, message, invoices, customer)
        days.append(as_date(message["send_day"]))
    if not days:
        raise ValueError("a letter batch needs at least one letter")
    # Dated by its letters, not by the clock: printing the same letters again gives the same file.
    sheet.set_creation_date(dt.datetime.combine(max(days), dt.time(), dt.UTC))
    return sheet.to_bytes()


def letter(message: Mapping, invoices: pd.DataFrame, customer: Mapping, brand: Mapping) -> bytes:
    """One customer's letter as its own PDF."""
    return letter_batch([(message, invoices, customer)], brand)
