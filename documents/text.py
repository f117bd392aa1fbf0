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

from journeys.render import invoice_status, labels, language_of

LABELS_PATH = Path(__file__).resolve().parent / "config" / "labels.yaml"

__all__ = ["words", "amount", "day", "percent", "invoice_status", "language_of"]


@lru_cache(maxsize=4)
def words(language: str) -> dict:
    """The e-mails' labels of ``language`` overlaid with the documents' own."""
    own = yaml.safe_load(LABELS_PATH.read_text())
    return labels(language) | own[language]


def amount(value, currency: str, language: str) -> str:
    return format_currency(Decimal(str(value)), currency, locale=language)


def day(value: dt.date, language: str) -> str:
    """Dates in full ("16 février 2025", "February 16, 2025"): a legal letter leaves no room for
    reading 03/04 as March or April."""
    return format_date(value, format="long", locale=language)


def percent(rate: Decimal, language: str) -> str:
    """"12.15%" in English, "12,15 %" (no-break space) in French."""
    return f"{format_decimal(rate, '0.00', locale=language)}{'' if language == 'en' else chr(0xA0)}%"
