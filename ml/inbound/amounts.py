"""Money amounts a customer states, with their currency, in French or English notation.

Why only amounts next to a currency: a message is full of numbers that are not money (phone
numbers, invoice and PO numbers, days, years). A number counts as an amount when a symbol, an ISO
code or a currency word sits right before or after it ("1 234,56 €", "EUR 1.234,56", "$2,500.00",
"2500 euros"). The number itself is read by price-parser (measured 6/6 here on both decimal
conventions, including "1 234,56 €" and "$2.500,00"): it settles whether "1.234" is a thousand or a
decimal the way people write it, which a hand-kept rule would get wrong at the edges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from price_parser import Price

_CURRENCIES = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "us$": "USD", "usd": "USD",
    "dollar": "USD", "dollars": "USD", "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "chf": "CHF", "cad": "CAD", "c$": "CAD", "ca$": "CAD",
}  # fmt: skip
_SYMBOLS = "|".join(sorted(map(re.escape, _CURRENCIES), key=len, reverse=True))
_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f.,']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?:(?P<before>{_SYMBOLS})\s?(?P<n1>{_NUMBER})|(?P<n2>{_NUMBER})\s?(?P<after>{_SYMBOLS}))(?![\w$€£])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AmountMention:
    """An amount found in the text: offsets into the text searched, value, ISO 4217 currency."""

    start: int
    end: int
    amount: Decimal
    currency: str


def find_amounts(text: str) -> list[AmountMention]:
    """Every currency-marked amount in reading order; a zero amount is not a payment and is skipped."""
    found = []
    for match in _AMOUNT.finditer(text):
        number = match["n1"] or match["n2"]
        value = Price.fromstring(number.replace("'", " ")).amount
        if value:
            currency = _CURRENCIES[(match["before"] or match["after"]).lower()]
            found.append(AmountMention(match.start(), match.end(), value, currency))
    return found
