"""Words and number formats of the documents, per language.

The documents' own words live in config/labels.yaml; the words the reminder e-mails also use
(invoice, due date, statuses, totals, remittance) are read from the journeys' labels, and the
invoice status comes from the same function as the e-mails', so a letter, a statement and an
e-mail never describe one invoice in different terms. Amounts and dates are formatted by Babel
(CLDR), as in the e-mails: French gets "1 250,00 €" with its no-break spaces.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from journeys.render import invoice_status, labels, language_of, payment_link

LABELS_PATH = Path(__file__).resolve().parent / "config" / "labels.yaml"

__all__ = ["words", "amount", "day", "short_day", "status_on", "percent", "language_of", "payment_link", "as_date"]


@lru_cache(maxsize=4)
def words(language: str) -> dict:
    """The e-mails' labels of ``language`` overlaid with the documents' own."""
    own = yaml.safe_load(LABELS_PATH.read_text())
    return labels(language) | own[language]


def amount(value, currency: str, language: str) -> str:
    return format_currency(Decimal(str(value)), currency, locale=language)


def day(value: dt.date, language: str) -> str:
    """Dates in full ("16 février 2025", "February 16, 2025"): a legal letter leaves no room for
    reading 03/04 as March or April. French writes the first of the month "1er" (CLDR does not)."""
    text = format_date(value, format="long", locale=language)
    return f"1er{text[1:]}" if language == "fr" and value.day == 1 else text


def short_day(value: dt.date, language: str) -> str:
    """Dates in tables: "16 févr. 2025", "Feb 16, 2025" (month in letters, still unambiguous)."""
    return format_date(value, format="medium", locale=language)


def status_on(language: str, due_date: dt.date, as_of: dt.date, open_amount) -> str:
    """The e-mails' wording ("3 days overdue", "due in 5 days") on ``as_of``; "paid" once settled."""
    if Decimal(str(open_amount)) <= 0:
        return words(language)["settled"]
    return invoice_status(language, (as_of - due_date).days)


def percent(rate: Decimal, language: str) -> str:
    """ "12.15%" in English, "12,15 %" (no-break space) in French."""
    return f"{format_decimal(rate, '0.00', locale=language)}{'' if language == 'en' else chr(0xA0)}%"


def as_date(value) -> dt.date:
    """Dates arrive as date, datetime, pandas Timestamp or ISO text depending on the caller."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
